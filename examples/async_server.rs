//! An async server's handler, as an axum or hyper handler would be: each
//! request borrows a pooled async guest (`hostcalls`, TinyGo), whose host
//! function `lookup` queries an async store; while it awaits, the server's
//! other requests run.
//!
//! `cargo run --release --example async_server`

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tinybind::guests::hostcalls::{HostcallsAsync, HostcallsAsyncHost};
use tinybind::{Error, HostError, Pool, Runtime};

/// The async store the guest's `lookup` queries: a map behind an async
/// lock, with the latency of a database round trip.
#[derive(Clone, Default)]
struct Store {
    rows: Arc<tokio::sync::RwLock<HashMap<String, String>>>,
}

impl Store {
    async fn get(&self, key: &str) -> Option<String> {
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.rows.read().await.get(key).cloned()
    }
}

/// The host of each pooled guest: a handle to the shared store.
struct Db {
    store: Store,
}

impl HostcallsAsyncHost for Db {
    async fn lookup(&mut self, key: &str) -> Result<String, HostError> {
        match self.store.get(key).await {
            Some(value) => Ok(value),
            None => Err(HostError::new(format!("no row `{key}`"))),
        }
    }
}

type Guests = Pool<HostcallsAsync<Db>>;

/// The handler: borrow a guest for this request, call it, give it back.
async fn handle(guests: &Guests, key: &str) -> Result<String, Error> {
    let mut guest = guests.get_async().await?;
    guest.describe(key).await
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()?;
    let runtime = Runtime::builder().async_support(true).build()?;
    let store = Store::default();
    let guests: Arc<Guests> = Arc::new(Pool::with_async_factory(&runtime, 64, {
        let store = store.clone();
        move |rt| {
            let store = store.clone();
            async move { HostcallsAsync::with_host(&rt, Db { store }).await }
        }
    }));
    server.block_on(async {
        for i in 0..100 {
            store.rows.write().await.insert(format!("user{i}"), format!("row {i}"));
        }
        let started = Instant::now();
        let requests: Vec<_> = (0..200)
            .map(|i| {
                let guests = guests.clone();
                tokio::spawn(async move { handle(&guests, &format!("user{}", i % 120)).await })
            })
            .collect();
        let (mut ok, mut failed) = (0, 0);
        for request in requests {
            match request.await? {
                Ok(_) => ok += 1,
                // Keys 100..120 have no row: the host's error stops that
                // guest with a typed error; the pool drops the instance.
                Err(Error::Host { .. }) => failed += 1,
                Err(other) => return Err(other.into()),
            }
        }
        println!(
            "200 requests, each awaiting a 20 ms store query: {ok} answered, {failed} without a row, in {:?}; pool: {:?}",
            started.elapsed(),
            guests.stats()
        );
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
