//! Work over many functions, a bounded number at a time, results in the order of the input,
//! progress as each ends. The tasks live in a `JoinSet`: dropping the run (Ctrl-C) aborts
//! them, and a panic in one is raised again here, never lost.

use std::future::Future;
use std::io::Write;

use tokio::task::JoinSet;

use super::progress::{Progress, TICK};

/// How many functions are worked on at once by default: well under Lambda's control-plane
/// rate, which throttling retries cover anyway.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// The most `--concurrency` accepts.
pub const MAX_CONCURRENCY: usize = 32;

/// A `--concurrency` value parser.
pub fn parse_concurrency(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_CONCURRENCY).contains(&n) => Ok(n),
        _ => Err(format!("not a number in 1-{MAX_CONCURRENCY}")),
    }
}

/// Runs `work` on every item, at most `limit` at a time; `line` says what progress prints
/// for a result.
pub async fn in_parallel<T, R, Fut, W>(
    items: Vec<T>,
    limit: usize,
    work: impl Fn(T) -> Fut,
    line: impl Fn(&R) -> Option<String>,
    progress: &mut Progress<W>,
) -> Vec<R>
where
    Fut: Future<Output = R> + Send + 'static,
    R: Send + 'static,
    W: Write,
{
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    let mut pending = items.into_iter().enumerate();
    let mut tasks = JoinSet::new();
    let mut ticks = tokio::time::interval(TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        while tasks.len() < limit.max(1) {
            let Some((index, item)) = pending.next() else {
                break;
            };
            let future = work(item);
            tasks.spawn(async move { (index, future.await) });
        }
        if tasks.is_empty() {
            break;
        }
        tokio::select! {
            joined = tasks.join_next() => match joined {
                Some(Ok((index, result))) => {
                    progress.step(line(&result).as_deref());
                    results[index] = Some(result);
                }
                Some(Err(error)) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                // Never aborted here: only dropping the set aborts its tasks.
                Some(Err(_)) | None => {}
            },
            _ = ticks.tick(), if progress.is_live() => progress.tick(),
        }
    }
    progress.finish();
    results.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn results_keep_their_order_and_at_most_limit_run_at_once() {
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut progress = Progress::new(Vec::new(), false, "x", 10);
        let results = in_parallel(
            (0..10u64).collect(),
            3,
            |n| {
                let (running, most) = (Arc::clone(&running), Arc::clone(&most));
                async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    // Later items end first.
                    tokio::time::sleep(Duration::from_millis(100 - n * 10)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    n * 2
                }
            },
            |n| Some(format!("done {n}")),
            &mut progress,
        )
        .await;
        assert_eq!(results, (0..10).map(|n| n * 2).collect::<Vec<_>>());
        assert_eq!(most.load(Ordering::SeqCst), 3);
        let text = String::from_utf8(progress.into_inner()).unwrap();
        assert_eq!(text.lines().count(), 10);
    }
}
