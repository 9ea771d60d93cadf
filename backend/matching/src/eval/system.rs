//! A configuration to score: a mode and, for hybrid, a fusion with its weights; and the
//! model graph whose query and passage vectors it ranks.

use crate::embedder::ModelPrecision;
use crate::fusion::{Fusion, FusionMethod};
use crate::model::Mode;

#[derive(Clone, Debug, PartialEq)]
pub struct System {
    /// How the report names it: the mode, or the spec it was parsed from.
    pub label: String,
    pub mode: Mode,
    pub fusion: Fusion,
    /// Weight of the evidence of reuse after fusion (`boost`; 0 = off).
    pub evidence_boost: f32,
    /// The graph whose vectors it ranks; `None`: the configured one. Another graph means
    /// a retrieval of its own (every query and passage embedded again).
    pub precision: Option<ModelPrecision>,
}

impl System {
    pub fn of_mode(mode: Mode, fusion: Fusion) -> Self {
        System {
            label: mode.as_str().to_owned(),
            mode,
            fusion,
            evidence_boost: 0.0,
            precision: None,
        }
    }

    /// `key=value` pairs separated by commas, each overriding `base` (the configured
    /// fusion): `fusion` (rrf | zscore | minmax), `vector_weight`, `lexical_weight`,
    /// `mode` (hybrid | lexical | vector; default hybrid), `model_precision` (fp32 | int8;
    /// default the configured), `evidence_boost` (default 0, like the mode rows of the
    /// report: the boost is measured by comparing). E.g. `fusion=zscore,lexical_weight=0.3`,
    /// `mode=vector,model_precision=int8` or `evidence_boost=0.1`.
    pub fn parse(spec: &str, base: Fusion) -> Result<Self, String> {
        let mut s = System {
            label: spec.trim().to_owned(),
            mode: Mode::Hybrid,
            fusion: base,
            evidence_boost: 0.0,
            precision: None,
        };
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("'{pair}': expected key=value"))?;
            let weight = || {
                value
                    .parse::<f32>()
                    .ok()
                    .filter(|w| w.is_finite() && *w >= 0.0)
                    .ok_or_else(|| format!("{key}: '{value}' is not a weight ≥ 0"))
            };
            match key.trim() {
                "fusion" => {
                    s.fusion.method = value.parse::<FusionMethod>().map_err(|e| e.to_string())?
                }
                "mode" => s.mode = value.parse::<Mode>().map_err(|e| e.to_string())?,
                "vector_weight" => s.fusion.vector_weight = weight()?,
                "lexical_weight" => s.fusion.lexical_weight = weight()?,
                "evidence_boost" => s.evidence_boost = weight()?,
                "model_precision" => {
                    s.precision = Some(value.parse::<ModelPrecision>().map_err(|e| e.to_string())?)
                }
                other => {
                    return Err(format!(
                    "unknown key '{other}', expected fusion, mode, vector_weight, lexical_weight, model_precision or evidence_boost"
                ))
                }
            }
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_overrides_the_configured_fusion() {
        let base = Fusion::default();
        let s = System::parse("fusion=zscore, lexical_weight=0.3", base).unwrap();
        assert_eq!(s.mode, Mode::Hybrid);
        assert_eq!(s.fusion.method, FusionMethod::Zscore);
        assert_eq!(s.fusion.lexical_weight, 0.3);
        assert_eq!(s.fusion.vector_weight, base.vector_weight);
        assert_eq!(s.label, "fusion=zscore, lexical_weight=0.3");
        assert_eq!(s.precision, None, "the configured graph");
        let int8 = System::parse("mode=vector,model_precision=int8", base).unwrap();
        assert_eq!(
            (int8.mode, int8.precision),
            (Mode::Vector, Some(ModelPrecision::Int8))
        );
        assert_eq!(
            System::parse("mode=vector", base).unwrap().mode,
            Mode::Vector
        );
        assert_eq!(s.evidence_boost, 0.0);
        assert_eq!(
            System::parse("evidence_boost=0.2", base)
                .unwrap()
                .evidence_boost,
            0.2
        );
        for bad in [
            "fusion=best",
            "lexical_weight=-1",
            "speed=2",
            "zscore",
            "evidence_boost=-1",
            "model_precision=int4",
        ] {
            assert!(System::parse(bad, base).is_err(), "{bad}");
        }
    }
}
