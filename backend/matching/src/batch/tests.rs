use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Instant;

use super::*;

/// Records the size of every call; a gated one blocks each call until it is let through.
#[derive(Default)]
struct Recorder {
    calls: Mutex<Vec<usize>>,
    gate: Option<Mutex<mpsc::Receiver<()>>>,
}

impl QueryEmbedder for Recorder {
    fn embed_query_batch(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedderError> {
        self.calls.lock().unwrap().push(texts.len());
        if let Some(gate) = &self.gate {
            gate.lock().unwrap().recv().ok();
        }
        Ok(texts.iter().map(|t| vec![t.len() as f32]).collect())
    }
}

fn batcher(
    recorder: Arc<Recorder>,
    window_ms: u64,
    max: usize,
    limits: QueueLimits,
) -> Arc<Batcher> {
    let settings = BatchSettings {
        window: Duration::from_millis(window_ms),
        max,
    };
    Arc::new(Batcher::new(
        recorder,
        Arc::new(Semaphore::new(1)),
        limits,
        settings,
    ))
}

const ROOMY: QueueLimits = QueueLimits {
    max_waiting: 1000,
    max_waiting_per_client: 1000,
};

/// `n` queries at once from four clients; each answer must be its own text's vector.
async fn ask_concurrently(b: &Arc<Batcher>, n: usize) {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let b = b.clone();
            tokio::spawn(async move {
                let text = "x".repeat(i + 1);
                let v = b.embed(&format!("client{}", i % 4), &text).await.unwrap();
                assert_eq!(v, vec![text.len() as f32], "query {i} got another's vector");
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test]
async fn concurrent_queries_become_one_call_per_batch_max() {
    for (n, max) in [(40, 16), (40, 1), (5, 16), (16, 16)] {
        let recorder = Arc::new(Recorder::default());
        let b = batcher(recorder.clone(), 200, max, ROOMY);
        ask_concurrently(&b, n).await;
        let calls = recorder.calls.lock().unwrap().clone();
        assert_eq!(
            calls.len(),
            n.div_ceil(max),
            "{n} queries, batch_max {max}: {calls:?}"
        );
        assert_eq!(calls.iter().sum::<usize>(), n);
        assert!(calls.iter().all(|&c| c <= max));
    }
}

#[tokio::test]
async fn a_lone_query_waits_at_most_the_window() {
    let recorder = Arc::new(Recorder::default());
    let b = batcher(recorder.clone(), 50, 16, ROOMY);
    let t = Instant::now();
    b.embed("a", "allein").await.unwrap();
    let waited = t.elapsed();
    assert!(waited >= Duration::from_millis(50), "{waited:?}");
    // Generous: the machine is shared; a missed deadline would be a whole second or more.
    assert!(waited < Duration::from_millis(400), "{waited:?}");
    assert_eq!(*recorder.calls.lock().unwrap(), [1]);
}

#[tokio::test]
async fn batching_off_never_waits_for_company() {
    for (window_ms, max) in [(1000, 1), (0, 16)] {
        let recorder = Arc::new(Recorder::default());
        let b = batcher(recorder.clone(), window_ms, max, ROOMY);
        assert_eq!(b.settings().batch_max(), 1);
        let t = Instant::now();
        b.embed("a", "allein").await.unwrap();
        assert!(
            t.elapsed() < Duration::from_millis(500),
            "{:?}",
            t.elapsed()
        );
        ask_concurrently(&b, 6).await;
        assert_eq!(recorder.calls.lock().unwrap().len(), 7);
    }
}

#[tokio::test]
async fn bounds_refuse_at_once_and_shutdown_answers_the_waiting() {
    let (open, gate) = mpsc::channel();
    let recorder = Arc::new(Recorder {
        gate: Some(Mutex::new(gate)),
        ..Recorder::default()
    });
    let limits = QueueLimits {
        max_waiting: 3,
        max_waiting_per_client: 2,
    };
    let b = batcher(recorder.clone(), 0, 1, limits);
    let ask = |client: &'static str| {
        let b = b.clone();
        tokio::spawn(async move { b.embed(client, "frage").await })
    };
    let running = ask("a");
    while recorder.calls.lock().unwrap().is_empty() {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // The model is busy with the first query: the next ones wait in the queue.
    let until_waiting = |n: usize| {
        let b = b.clone();
        async move {
            while b.waiting() < n {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    };
    let refused = |r: Result<Vec<f32>, MatchError>| match r {
        Err(MatchError::Busy(why)) => why,
        other => panic!("not refused: {other:?}"),
    };
    let mut waiting = vec![ask("a"), ask("a")];
    until_waiting(2).await;
    assert_eq!(
        refused(b.embed("a", "noch eine").await),
        Refused::ClientFull
    );
    waiting.push(ask("b"));
    until_waiting(3).await;
    assert_eq!(refused(b.embed("c", "noch eine").await), Refused::Full);

    b.close(); // shutdown: what waits is answered at once, the running batch still finishes
    for w in waiting {
        assert!(matches!(w.await.unwrap(), Err(MatchError::ShuttingDown)));
    }
    open.send(()).unwrap();
    assert_eq!(running.await.unwrap().unwrap(), vec![5.0]);
    assert_eq!(recorder.calls.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_long_text_gets_a_call_of_its_own_instead_of_padding_the_short_ones() {
    let recorder = Arc::new(Recorder::default());
    let b = batcher(recorder.clone(), 200, 16, ROOMY);
    let long = "Wohnsitzanmeldung mit Anbindung an das Fachverfahren ".repeat(80);
    let mut tasks: Vec<_> = (0..15)
        .map(|i| {
            let b = b.clone();
            tokio::spawn(async move { b.embed("a", &format!("kurze Frage {i}")).await })
        })
        .collect();
    tasks.push(tokio::spawn({
        let (b, long) = (b.clone(), long.clone());
        async move { b.embed("b", &long).await }
    }));
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap().unwrap());
    }
    assert_eq!(answers[15], vec![long.len() as f32]);
    assert_eq!(answers[3], vec!["kurze Frage 3".len() as f32]);
    let mut calls = recorder.calls.lock().unwrap().clone();
    calls.sort();
    assert_eq!(calls, [1, 15], "one batch, two calls");
}
