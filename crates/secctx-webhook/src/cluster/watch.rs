//! One kube-rs watcher per kind, feeding a reflector store and telling the [`Publisher`]
//! after each event. The watcher lists, then watches from the list's resourceVersion, and on
//! errors (API server restarts, `410 Gone`) backs off and relists; errors are logged, never
//! fatal, and a source that never lists keeps the snapshot unsynced (`/readyz` says not ready).

use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;

use futures::StreamExt;
use kube::runtime::reflector::store::Writer;
use kube::runtime::watcher::{self, Event};
use kube::runtime::{WatchStreamExt, watcher as make_watcher};
use kube::{Api, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;

use super::publish::{Publisher, Source};

/// Spawns the watch of `api` into `writer`, reporting to `publisher` as `source`.
pub fn spawn<K>(
    api: Api<K>,
    writer: Writer<K>,
    publisher: Arc<Publisher>,
    source: Source,
) -> JoinHandle<()>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    K::DynamicType: Eq + Hash + Clone + Send + Sync,
{
    tokio::spawn(async move {
        let events = make_watcher(api, watcher::Config::default())
            // managedFields are the bulk of most objects and nothing here reads them.
            .modify(|obj: &mut K| obj.managed_fields_mut().clear())
            .default_backoff()
            .reflect(writer);
        futures::pin_mut!(events);
        while let Some(event) = events.next().await {
            match event {
                Ok(Event::InitDone) => {
                    tracing::debug!(kind = source.kind(), "listed");
                    publisher.listed(source);
                }
                Ok(Event::Init | Event::InitApply(_)) => {}
                Ok(Event::Apply(_) | Event::Delete(_)) => publisher.changed(source),
                Err(e) => {
                    tracing::warn!(kind = source.kind(), error = %e, "watch failed; retrying with backoff");
                }
            }
        }
    })
}
