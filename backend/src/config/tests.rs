use super::*;

fn from_toml(text: &str) -> Result<Config, String> {
    Config::figment(Figment::new().merge(Toml::string(text)))
        .extract()
        .map_err(|e| e.to_string())
}

#[test]
fn the_deploy_example_is_a_valid_configuration() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../deploy/matchraum.example.toml"
    );
    let config: Config = Config::figment(Figment::new().merge(Toml::file(path)))
        .extract()
        .expect("example configuration parses");
    assert_eq!(config.log.format, LogFormat::Json);
    assert!(config.redis.url.is_some());
    assert_eq!(config.http.ui_dir, PathBuf::from("/var/lib/matchraum/ui"));
}

#[test]
fn fusion_is_a_method_with_non_negative_weights() {
    let c = from_toml("[matching]\nfusion = \"minmax\"\nlexical_weight = 0.3").unwrap();
    let f = c.matching.fusion();
    assert_eq!(f.method, crate::matching::fusion::FusionMethod::Minmax);
    assert_eq!((f.vector_weight, f.lexical_weight), (1.0, 0.3));
    let err = from_toml("[matching]\nfusion = \"best\"").unwrap_err();
    assert!(err.contains("best"), "{err}");
    let err = from_toml("[matching]\nvector_weight = -1.0").unwrap_err();
    assert!(err.contains("≥ 0"), "{err}");
}

#[test]
fn similarity_thresholds_default_to_the_calibrated_values_and_stay_cosines() {
    let c = from_toml("").unwrap();
    assert_eq!(c.matching.need_notify_similarity, 0.85);
    assert_eq!(
        c.matching.radar_strengths(),
        crate::matching::provider_radar::DEFAULT_RADAR_STRENGTHS
    );
    let c = from_toml("[matching]\nneed_notify_similarity = 0.9").unwrap();
    assert_eq!(c.matching.need_notify_similarity, 0.9);
    let err = from_toml("[matching]\nradar_strong_similarity = 1.5").unwrap_err();
    assert!(err.contains("from -1 to 1"), "{err}");
}

#[test]
fn unknown_keys_and_sections_are_refused() {
    let err = from_toml("[database]\nurll = \"x\"").unwrap_err();
    assert!(err.contains("urll"), "{err}");
    let err = from_toml("[databse]\nurl = \"x\"").unwrap_err();
    assert!(err.contains("databse"), "{err}");
}

#[test]
fn a_section_keeps_its_defaults_for_keys_it_does_not_set() {
    let config = from_toml("[rate]\nlogin_per_ip = 7").unwrap();
    assert_eq!(config.rate.login_per_ip, 7);
    assert_eq!(config.rate.window_secs, RateLimits::default().window_secs);
}

#[test]
#[allow(clippy::result_large_err)] // figment's Jail fixes the closure's error type
fn variables_map_to_their_section() {
    figment::Jail::expect_with(|jail| {
        jail.set_env("MATCHRAUM_CONFIG", "absent.toml");
        jail.set_env("MATCHRAUM_RATE_LOGIN_PER_IP", "9");
        jail.set_env(
            "MATCHRAUM_HTTP_CORS_ORIGINS",
            "https://a.example, https://b.example/",
        );
        jail.set_env("MATCHRAUM_MATCHING_ENABLED", "false");
        jail.set_env("MATCHRAUM_DATABASE_URL", "sqlite::memory:");
        let config = Config::load().map_err(|e| e.to_string())?;
        assert_eq!(config.rate.login_per_ip, 9);
        assert_eq!(
            config.http.cors_origins,
            ["https://a.example", "https://b.example"]
        );
        assert!(config.http.allows_origin("HTTPS://A.example"));
        assert!(!config.http.allows_origin("https://c.example"));
        assert!(!config.matching.enabled);
        assert_eq!(config.database.url, "sqlite::memory:");
        Ok(())
    });
}

#[test]
#[allow(clippy::result_large_err)] // figment's Jail fixes the closure's error type
fn a_misspelt_variable_is_refused() {
    figment::Jail::expect_with(|jail| {
        jail.set_env("MATCHRAUM_CONFIG", "absent.toml");
        jail.set_env("MATCHRAUM_RATE_LOGIN_PER_IPP", "9");
        let err = Config::load().unwrap_err().to_string();
        assert!(err.contains("login_per_ipp"), "{err}");
        Ok(())
    });
}

#[test]
#[allow(clippy::result_large_err)] // figment's Jail fixes the closure's error type
fn a_redis_cluster_is_a_list_of_seed_nodes_and_excludes_url() {
    figment::Jail::expect_with(|jail| {
        jail.set_env("MATCHRAUM_CONFIG", "absent.toml");
        jail.set_env(
            "MATCHRAUM_REDIS_CLUSTER",
            "redis://10.0.0.1:7000, redis://10.0.0.2:7000",
        );
        let config = Config::load().map_err(|e| e.to_string())?;
        assert_eq!(
            config.redis_target(),
            Ok(Some(RedisTarget::Cluster(vec![
                "redis://10.0.0.1:7000".into(),
                "redis://10.0.0.2:7000".into()
            ])))
        );
        jail.set_env("MATCHRAUM_REDIS_URL", "redis://127.0.0.1:6379");
        let config = Config::load().map_err(|e| e.to_string())?;
        let err = config.redis_target().unwrap_err();
        assert!(
            err.contains("[redis] url") && err.contains("[redis] cluster"),
            "{err}"
        );
        Ok(())
    });
    let config = from_toml("[redis]\ncluster = [\"redis://a:7000\", \"nonsense\"]").unwrap();
    let err = config.redis_target().unwrap_err();
    assert!(err.contains("cluster entry 2"), "{err}");
}

#[test]
fn every_variable_follows_the_section_rule() {
    let names = Config::variables();
    assert!(names.contains(&"MATCHRAUM_RATE_LOGIN_PER_IP".to_owned()));
    assert!(names.contains(&"MATCHRAUM_METRICS_BIND".to_owned()));
    assert!(names.contains(&"MATCHRAUM_CONFIG".to_owned()));
    assert!(!names.iter().any(|n| n == "MATCHRAUM_BIND"), "{names:?}");
}
