//! A guest's stdout and stderr: passed through to the host's or captured
//! into a bounded buffer, and in either case with the last bytes kept, so
//! that an error can say what the guest printed before it failed (a Go
//! panic's message, the words before a `proc_exit`).

use std::collections::VecDeque;
use std::io::Write;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError, StreamResult};

/// How many of the last bytes written are kept.
pub(crate) const TAIL_BYTES: usize = 4096;

/// The calls of one instance, counted: [`OutputLog::begin_call`] moves the
/// count on, and each of the instance's [`Tail`]s notices it at its next
/// write (see [`Tail`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct Calls(Arc<AtomicU64>);

/// The last [`TAIL_BYTES`] bytes a guest wrote to one stream, how many it
/// wrote in all, and how many it had written when the current call began.
///
/// The beginning of a call is marked lazily, so that a call costs one store
/// ([`OutputLog::begin_call`]) however many streams there are: the first
/// write of a call finds the count of [`Calls`] moved on, and only then
/// notes where the call began. A call that writes nothing notes nothing.
#[derive(Clone, Debug)]
pub(crate) struct Tail(Arc<TailInner>);

#[derive(Debug)]
struct TailInner {
    bytes: Mutex<VecDeque<u8>>,
    written: AtomicU64,
    /// The instance's calls.
    calls: Calls,
    /// The call `began` belongs to.
    call: AtomicU64,
    /// `written` when that call began.
    began: AtomicU64,
    /// The bytes a call may write to a passed-through stream
    /// (`max_output_bytes`; `u64::MAX` for a captured one).
    limit: u64,
}

impl Tail {
    /// The tail of a stream of an instance whose calls `calls` counts; a
    /// call may write `limit` bytes to it.
    pub(crate) fn new(calls: &Calls, limit: u64) -> Tail {
        Tail(Arc::new(TailInner {
            bytes: Mutex::default(),
            written: AtomicU64::new(0),
            calls: calls.clone(),
            call: AtomicU64::new(calls.0.load(Ordering::Acquire)),
            began: AtomicU64::new(0),
            limit,
        }))
    }

    /// Where the current call began, noted now if this is its first look.
    fn began(&self) -> u64 {
        let call = self.0.calls.0.load(Ordering::Acquire);
        if self.0.call.load(Ordering::Acquire) != call {
            self.0.began.store(self.mark(), Ordering::Release);
            self.0.call.store(call, Ordering::Release);
        }
        self.0.began.load(Ordering::Acquire)
    }

    /// Whether `len` more bytes are within what the current call may write.
    fn admits(&self, len: usize) -> bool {
        self.mark().saturating_add(len as u64) <= self.began().saturating_add(self.0.limit)
    }

    fn push(&self, bytes: &[u8]) {
        self.began();
        let mut tail = self.lock();
        let kept = &bytes[bytes.len().saturating_sub(TAIL_BYTES)..];
        let excess = (tail.len() + kept.len()).saturating_sub(TAIL_BYTES);
        tail.drain(..excess);
        tail.extend(kept);
        self.0.written.fetch_add(bytes.len() as u64, Ordering::Release);
    }

    /// How many bytes were written so far: a mark for [`Self::since`].
    pub(crate) fn mark(&self) -> u64 {
        self.0.written.load(Ordering::Acquire)
    }

    /// What was written since `mark`, at most the last [`TAIL_BYTES`].
    pub(crate) fn since(&self, mark: u64) -> Vec<u8> {
        let tail = self.lock();
        let new = (self.0.written.load(Ordering::Acquire).saturating_sub(mark) as usize).min(tail.len());
        tail.iter().skip(tail.len() - new).copied().collect()
    }

    /// What was written during the current call, at most the last
    /// [`TAIL_BYTES`].
    fn of_call(&self) -> Vec<u8> {
        match self.0.call.load(Ordering::Acquire) == self.0.calls.0.load(Ordering::Acquire) {
            true => self.since(self.0.began.load(Ordering::Acquire)),
            false => Vec::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<u8>> {
        // Bytes are only appended and drained: a panic cannot leave them
        // inconsistent.
        self.0.bytes.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What an instance keeps of its guest's output: the captured streams
/// (when the runtime captures output), and the last bytes of stdout and
/// stderr either way, with where the current call began in each, so that a
/// failed call's error can quote what the guest said during it.
#[derive(Debug)]
pub(crate) struct OutputLog {
    stdout: Option<MemoryOutputPipe>,
    stderr: Option<MemoryOutputPipe>,
    /// stdout's and stderr's last bytes.
    recent: [Tail; 2],
    /// The instance's calls, and how many there were (the start-up is the
    /// 0th).
    calls: Calls,
    count: u64,
}

impl OutputLog {
    /// `recent` are the tails of stdout and stderr, made with `calls`.
    pub(crate) fn new(
        stdout: Option<MemoryOutputPipe>,
        stderr: Option<MemoryOutputPipe>,
        recent: [Tail; 2],
        calls: Calls,
    ) -> Self {
        let count = calls.0.load(Ordering::Acquire);
        OutputLog {
            stdout,
            stderr,
            recent,
            calls,
            count,
        }
    }

    /// Marks the start of a call, which may write its own
    /// `max_output_bytes` to a passed-through stream.
    #[inline(always)]
    pub(crate) fn begin_call(&mut self) {
        self.count = self.count.wrapping_add(1);
        self.calls.0.store(self.count, Ordering::Release);
    }

    /// What the guest wrote during the current call, as its last words
    /// (stderr first), and whether they are a Go panic's.
    pub(crate) fn last_words_of_call(&self) -> Option<(String, bool)> {
        let texts = [1, 0].map(|i| self.recent[i].of_call());
        let panic = texts.iter().find_map(|t| last_words(t).filter(|(_, panic)| *panic));
        panic.or_else(|| texts.iter().find_map(|t| last_words(t)))
    }

    /// What the guest wrote to stdout, when the runtime captures output.
    pub(crate) fn stdout(&self) -> Option<Vec<u8>> {
        self.stdout.as_ref().map(|p| p.contents().to_vec())
    }

    /// What the guest wrote to stderr, when the runtime captures output.
    pub(crate) fn stderr(&self) -> Option<Vec<u8>> {
        self.stderr.as_ref().map(|p| p.contents().to_vec())
    }
}

/// Where a guest's stream goes.
#[derive(Clone, Debug)]
pub(crate) enum Sink {
    Stdout,
    Stderr,
    Capture(MemoryOutputPipe),
}

/// One of a guest's output streams, as WASI sees it.
#[derive(Clone, Debug)]
pub(crate) struct GuestOutput {
    pub tail: Tail,
    pub sink: Sink,
}

impl GuestOutput {
    pub(crate) fn new(sink: Sink, tail: Tail) -> Self {
        GuestOutput { tail, sink }
    }

    /// Writes `bytes` through, or refuses them past `max_output_bytes` (a
    /// failed write to the guest, as a full capture buffer is): a guest
    /// printing without end cannot fill the host's disk or pipe.
    fn write_all(&mut self, bytes: &[u8]) -> StreamResult<()> {
        if !self.tail.admits(bytes.len()) {
            return Err(StreamError::LastOperationFailed(wasmtime::Error::msg(
                "the guest wrote more than the runtime's max_output_bytes in this call",
            )));
        }
        self.tail.push(bytes);
        let written = match &mut self.sink {
            Sink::Stdout => std::io::stdout().write_all(bytes),
            Sink::Stderr => std::io::stderr().write_all(bytes),
            Sink::Capture(pipe) => return pipe.write(Bytes::copy_from_slice(bytes)),
        };
        written.map_err(|e| StreamError::LastOperationFailed(e.into()))
    }
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[async_trait::async_trait]
impl Pollable for GuestOutput {
    async fn ready(&mut self) {}
}

impl OutputStream for GuestOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.write_all(&bytes)
    }

    fn flush(&mut self) -> StreamResult<()> {
        match &mut self.sink {
            Sink::Capture(pipe) => pipe.flush(),
            Sink::Stdout => std::io::stdout()
                .flush()
                .map_err(|e| StreamError::LastOperationFailed(e.into())),
            Sink::Stderr => Ok(()),
        }
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        match &mut self.sink {
            Sink::Capture(pipe) => pipe.check_write(),
            _ => Ok(64 * 1024),
        }
    }
}

impl tokio::io::AsyncWrite for GuestOutput {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let n = match &mut this.sink {
            Sink::Capture(pipe) => buf.len().min(pipe.check_write().unwrap_or(0)),
            _ => buf.len(),
        };
        Poll::Ready(
            this.write_all(&buf[..n])
                .map(|()| n)
                .map_err(|e| std::io::Error::other(e.to_string())),
        )
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// What the guest said about why it stopped, from the tail of its output:
/// the message of a Go panic (`panic: ...`; `true`), or else the last line
/// it wrote (`false`). At most 300 characters.
pub(crate) fn last_words(tail: &[u8]) -> Option<(String, bool)> {
    let text = String::from_utf8_lossy(tail);
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let short = |l: &str| l.chars().take(300).collect::<String>();
    if let Some(panic) = lines.iter().rev().find_map(|l| l.strip_prefix("panic: ")) {
        return Some((short(panic.trim_end_matches(" [recovered]")), true));
    }
    lines.last().map(|l| (short(l), false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_keeps_the_last_bytes_since_a_mark() {
        let t = Tail::new(&Calls::default(), u64::MAX);
        t.push(&vec![b'a'; TAIL_BYTES]);
        let mark = t.mark();
        t.push(b"panic: boom\n");
        assert_eq!(t.since(mark), b"panic: boom\n");
        let kept = t.since(0);
        assert_eq!(kept.len(), TAIL_BYTES);
        assert!(kept.ends_with(b"panic: boom\n"));
        assert!(t.since(t.mark()).is_empty());
    }

    #[test]
    fn each_call_has_its_own_words_and_its_own_limit() {
        let calls = Calls::default();
        let tails = [Tail::new(&calls, 8), Tail::new(&calls, 8)];
        let mut log = OutputLog::new(None, None, tails.clone(), calls);
        tails[0].push(b"started\n");
        assert_eq!(log.last_words_of_call(), Some(("started".to_string(), false)));
        assert!(!tails[0].admits(1), "the start-up wrote its 8 bytes");
        log.begin_call();
        assert_eq!(log.last_words_of_call(), None, "nothing written in this call");
        assert!(tails[0].admits(8) && !tails[0].admits(9));
        tails[1].push(b"panic: x\n");
        tails[0].push(b"out\n");
        assert_eq!(log.last_words_of_call(), Some(("x".to_string(), true)));
        assert!(tails[0].admits(4) && !tails[0].admits(5));
        log.begin_call();
        assert_eq!(log.last_words_of_call(), None);
        assert!(tails[0].admits(8));
    }

    #[test]
    fn last_words_prefer_a_go_panic() {
        let out = b"hello\npanic: runtime error: index out of range [5] with length 3\n\ngoroutine 1 [running]:\n";
        assert_eq!(last_words(out), Some(("runtime error: index out of range [5] with length 3".to_string(), true)));
        assert_eq!(last_words(b"usage: tool FILE\n"), Some(("usage: tool FILE".to_string(), false)));
        assert_eq!(last_words(b"\n\n"), None);
    }
}
