//! Lexical retrieval with tantivy: German stemming and stop words on words, plus
//! character 4-grams that let parts of compounds meet ("Hundesteuer" ~ "Steuer für Hunde").

use std::collections::HashSet;
use std::sync::Mutex;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED,
};
use tantivy::tokenizer::{
    Language, LowerCaser, NgramTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
};
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, Term};

use super::document::Fields;

const WORDS: &str = "de_words";
const GRAMS: &str = "de_grams";

/// Field weights of the lexical query: a hit in the title says more than one in a
/// long description.
const TITLE_BOOST: f32 = 2.0;
const LABELS_BOOST: f32 = 1.5;
const BODY_BOOST: f32 = 1.0;
const GRAMS_BOOST: f32 = 0.15;

#[derive(Debug, thiserror::Error)]
#[error("lexical index: {0}")]
pub struct LexicalError(#[from] tantivy::TantivyError);

pub struct LexicalIndex {
    /// Kept so the in-RAM directory lives as long as reader and writer.
    _index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    id: Field,
    title: Field,
    labels: Field,
    body: Field,
    grams: Field,
    words: TextAnalyzer,
    ngrams: TextAnalyzer,
}

/// Lower-cased, stop words removed, Snowball-stemmed German words.
pub fn word_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(StopWordFilter::new(Language::German).expect("German stop words are built in"))
        .filter(Stemmer::new(Language::German))
        .build()
}

fn gram_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(NgramTokenizer::new(4, 4, false).expect("valid n-gram range"))
        .filter(LowerCaser)
        .build()
}

impl LexicalIndex {
    pub fn new() -> Result<Self, LexicalError> {
        let mut sb = Schema::builder();
        let id = sb.add_i64_field("id", INDEXED | FAST);
        let text = |tokenizer: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(IndexRecordOption::WithFreqs),
            )
        };
        let title = sb.add_text_field("title", text(WORDS));
        let labels = sb.add_text_field("labels", text(WORDS));
        let body = sb.add_text_field("body", text(WORDS));
        let grams = sb.add_text_field("grams", text(GRAMS));
        let index = Index::create_in_ram(sb.build());
        index.tokenizers().register(WORDS, word_analyzer());
        index.tokenizers().register(GRAMS, gram_analyzer());
        let writer = index.writer_with_num_threads(1, 30_000_000)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(LexicalIndex {
            _index: index,
            reader,
            writer: Mutex::new(writer),
            id,
            title,
            labels,
            body,
            grams,
            words: word_analyzer(),
            ngrams: gram_analyzer(),
        })
    }

    /// Adds or replaces entries and makes them searchable (one commit for the batch).
    pub fn upsert_many<'a>(
        &self,
        items: impl IntoIterator<Item = (i64, &'a Fields)>,
    ) -> Result<(), LexicalError> {
        let mut w = self.writer.lock().expect("lexical writer lock");
        for (id, f) in items {
            w.delete_term(Term::from_field_i64(self.id, id));
            let body = format!("{}\n{}", f.summary, f.description);
            let grams = format!("{} {} {}", f.title, f.labels, f.summary);
            w.add_document(doc!(
                self.id => id,
                self.title => f.title.as_str(),
                self.labels => f.labels.as_str(),
                self.body => body,
                self.grams => grams,
            ))?;
        }
        w.commit()?;
        drop(w);
        self.reader.reload()?;
        Ok(())
    }

    pub fn remove(&self, id: i64) -> Result<(), LexicalError> {
        self.remove_many(&[id])
    }

    /// Removes entries in one commit.
    pub fn remove_many(&self, ids: &[i64]) -> Result<(), LexicalError> {
        let mut w = self.writer.lock().expect("lexical writer lock");
        for id in ids {
            w.delete_term(Term::from_field_i64(self.id, *id));
        }
        w.commit()?;
        drop(w);
        self.reader.reload()?;
        Ok(())
    }

    /// The `k` best entries allowed by `allow`, best first, with their BM25 score.
    pub fn search(
        &self,
        text: &str,
        k: usize,
        allow: &dyn Fn(i64) -> bool,
    ) -> Result<Vec<(i64, f32)>, LexicalError> {
        let Some(query) = self.query(text) else {
            return Ok(vec![]);
        };
        let searcher = self.reader.searcher();
        // Filters are applied after retrieval; fetch deeper so a filtered list stays full.
        let hits = searcher.search(&query, &TopDocs::with_limit((k * 4).max(200)))?;
        let mut out = Vec::with_capacity(k);
        for (score, addr) in hits {
            let ids = searcher
                .segment_reader(addr.segment_ord)
                .fast_fields()
                .i64("id")?;
            if let Some(id) = ids.first(addr.doc_id) {
                if allow(id) {
                    out.push((id, score));
                    if out.len() == k {
                        break;
                    }
                }
            }
        }
        Ok(out)
    }

    fn query(&self, text: &str) -> Option<BooleanQuery> {
        let words: HashSet<String> = tokens(&mut self.words.clone(), text)
            .into_iter()
            .map(|t| t.1)
            .collect();
        let grams: HashSet<String> = tokens(&mut self.ngrams.clone(), text)
            .into_iter()
            .map(|t| t.1)
            .collect();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut term = |field: Field, word: &str, boost: f32| {
            let q = TermQuery::new(
                Term::from_field_text(field, word),
                IndexRecordOption::WithFreqs,
            );
            clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
        };
        for w in &words {
            term(self.title, w, TITLE_BOOST);
            term(self.labels, w, LABELS_BOOST);
            term(self.body, w, BODY_BOOST);
        }
        for g in &grams {
            term(self.grams, g, GRAMS_BOOST);
        }
        (!clauses.is_empty()).then(|| BooleanQuery::new(clauses))
    }

    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// (original word, stem) pairs of `text`, in order.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let t = stream.token();
        let original = text
            .get(t.offset_from..t.offset_to)
            .unwrap_or(&t.text)
            .to_owned();
        out.push((original, t.text.clone()));
    }
    out
}

/// Which query words occur (by stem) in which field: the lexical part of an explanation.
pub fn matched_terms(query: &str, fields: &Fields) -> Vec<(&'static str, Vec<String>)> {
    let mut analyzer = word_analyzer();
    let query_tokens = tokens(&mut analyzer, query);
    let mut out = Vec::new();
    for (name, text) in fields.named() {
        if text.is_empty() {
            continue;
        }
        let stems: HashSet<String> = tokens(&mut analyzer, text)
            .into_iter()
            .map(|t| t.1)
            .collect();
        let mut hits: Vec<String> = Vec::new();
        for (word, stem) in &query_tokens {
            if stems.contains(stem) && !hits.iter().any(|h| h.eq_ignore_ascii_case(word)) {
                hits.push(word.clone());
            }
        }
        if !hits.is_empty() {
            out.push((name, hits));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(title: &str, summary: &str) -> Fields {
        Fields {
            title: title.into(),
            summary: summary.into(),
            ..Fields::default()
        }
    }

    #[test]
    fn stems_inflections_and_meets_compound_parts() {
        let idx = LexicalIndex::new().unwrap();
        let a = fields("Hundesteuer", "Anmeldung eines Hundes zur Steuer");
        let b = fields("Wohnsitzanmeldung", "Anmeldung der Wohnung nach dem Umzug");
        let c = fields(
            "Baugenehmigung",
            "Antrag auf Erteilung einer Baugenehmigung",
        );
        idx.upsert_many([(1, &a), (2, &b), (3, &c)]).unwrap();
        assert_eq!(
            idx.search("Wohnungen anmelden", 3, &|_| true).unwrap()[0].0,
            2
        );
        assert_eq!(
            idx.search("Steuer für meinen Hund", 3, &|_| true).unwrap()[0].0,
            1
        );
        assert_eq!(
            idx.search("Baugenehmigungen", 3, &|_| true).unwrap()[0].0,
            3
        );
        assert!(idx
            .search("Baugenehmigungen", 3, &|id| id != 3)
            .unwrap()
            .iter()
            .all(|h| h.0 != 3));
        idx.remove(3).unwrap();
        assert_eq!(idx.len(), 2);
        let m = matched_terms("Wohnungen anmelden", &b);
        assert!(
            m.iter()
                .any(|(f, w)| *f == "summary" && w.contains(&"Wohnungen".to_string())),
            "{m:?}"
        );
    }
}
