//! The namespace allocation controller of `secctx serve --allocate`: OpenShift's
//! `namespace-security-allocation-controller` (spec §3.2) on top of kube-rs. One replica leads
//! through a Lease ([`super::lease`]); the leader repairs the state from the namespaces'
//! annotations, then gives every namespace that lacks `openshift.io/sa.scc.uid-range` the
//! lowest free block: first reserved in the one shared state object ([`super::store`]), with
//! the resourceVersion it read, then written to the namespace, also conditioned on the
//! resourceVersion read. Which block and which MCS label are secctx-core's
//! ([`secctx_core::admission::allocation`]).
//!
//! Why two replicas never give two namespaces one block: a block is taken only by a state
//! write that carries the resourceVersion the taker read, and the API server accepts one write
//! per resourceVersion, so of two writers that read the same state one gets `409 Conflict` and
//! reads again, seeing the block taken. The Lease keeps the second writer away in the first
//! place; the state's preconditions make that a matter of load, not of correctness.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{ListParams, PostParams};
use kube::runtime::watcher::{self, Event};
use kube::runtime::{WatchStreamExt, watcher as make_watcher};
use kube::{Api, Client, ResourceExt};
use secctx_core::admission::allocation::{
    AllocatorConfig, UID_RANGE_ANNOTATION, block_annotations, held_index,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::lease::{self, Elector, LeaseConfig};
use super::store::{AllocationState, DEFAULT_NAME, Reservation, StoreError};

/// How the allocator runs.
#[derive(Clone, Debug)]
pub struct AllocatorOptions {
    /// The namespace of the state ConfigMap and of the Lease (the webhook's own).
    pub namespace: String,
    /// The state ConfigMap's name.
    pub state_name: String,
    /// The election.
    pub lease: LeaseConfig,
    /// The space and the block size (OpenShift's by default).
    pub config: AllocatorConfig,
    /// Time between repairs while leading (OpenShift: 8 h); one also runs on taking the lead.
    pub repair_interval: Duration,
    /// Time before a namespace whose allocation failed is tried again.
    pub retry_interval: Duration,
}

impl AllocatorOptions {
    /// OpenShift's defaults, the state and the Lease in `namespace`, this replica `identity`.
    pub fn new(namespace: &str, identity: &str) -> AllocatorOptions {
        AllocatorOptions {
            namespace: namespace.to_string(),
            state_name: DEFAULT_NAME.to_string(),
            lease: LeaseConfig::new(namespace, "secctx-scc-allocator", identity),
            config: AllocatorConfig::default(),
            repair_interval: Duration::from_secs(8 * 3600),
            retry_interval: Duration::from_secs(5),
        }
    }
}

/// Why an allocation or a repair did not finish.
#[derive(Debug, thiserror::Error)]
pub enum AllocError {
    /// The API server refused or could not be reached.
    #[error("API call failed: {0}")]
    Api(#[from] kube::Error),
    /// The state object cannot be used.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Every attempt met a concurrent write.
    #[error("{what}: still conflicting after {attempts} attempts")]
    Contention {
        /// What was being written.
        what: String,
        /// Attempts made.
        attempts: usize,
    },
    /// This replica no longer leads.
    #[error("not the leader any more")]
    NotLeader,
}

/// What [`Allocator::allocate`] did for one namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It already had a uid range (the controller skips it).
    AlreadyAllocated,
    /// It got block `index` and these annotations.
    Allocated {
        /// The block.
        index: u32,
        /// The three annotations written.
        annotations: BTreeMap<String, String>,
    },
    /// It no longer exists.
    Gone,
    /// No block is free (OpenShift's `uid range exceeded`).
    Exhausted,
}

/// What a repair found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepairReport {
    /// Blocks held by namespace annotations.
    pub held: usize,
    /// Reservations still pending, whose namespaces were then annotated.
    pub resumed: usize,
    /// Blocks that were taken in the state but held by no namespace, now free.
    pub freed: usize,
}

const ATTEMPTS: usize = 16;

fn is_conflict(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 409)
}

fn is_not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404)
}

/// The allocator's API calls; cheap to share.
pub struct Allocator {
    namespaces: Api<Namespace>,
    state: Api<ConfigMap>,
    opts: AllocatorOptions,
    /// Leadership, when the allocator runs under a Lease: no reservation is written while
    /// it is false.
    leading: Option<watch::Receiver<bool>>,
    /// Reservations whose namespaces this allocator annotated; dropped from `pending` at the
    /// next state write.
    done: Mutex<Vec<(u32, String)>>,
}

impl Allocator {
    /// An allocator through `client`; `leading`, when given, gates every reservation.
    pub fn new(
        client: Client,
        opts: AllocatorOptions,
        leading: Option<watch::Receiver<bool>>,
    ) -> Allocator {
        Allocator {
            namespaces: Api::all(client.clone()),
            state: Api::namespaced(client, &opts.namespace),
            opts,
            leading,
            done: Mutex::new(Vec::new()),
        }
    }

    fn check_leading(&self) -> Result<(), AllocError> {
        match &self.leading {
            Some(rx) if !*rx.borrow() => Err(AllocError::NotLeader),
            _ => Ok(()),
        }
    }

    async fn read_state(&self) -> Result<AllocationState, AllocError> {
        let cfg = &self.opts.config;
        Ok(match self.state.get_opt(&self.opts.state_name).await? {
            Some(cm) => AllocationState::from_config_map(&cm, cfg)?,
            None => AllocationState::empty(cfg),
        })
    }

    /// Writes the state at the resourceVersion it was read; `false` on a conflict.
    async fn write_state(&self, st: &mut AllocationState) -> Result<bool, AllocError> {
        self.check_leading()?;
        // Finished reservations leave `pending` with this write; they are forgotten only once
        // it succeeded (a conflict rereads the state, which still has them).
        let finished: Vec<(u32, String)> =
            self.done.lock().unwrap_or_else(|p| p.into_inner()).clone();
        for (index, uid) in &finished {
            if st.pending.get(index).is_some_and(|r| r.uid == *uid) {
                st.pending.remove(index);
            }
        }
        let cm = st.to_config_map(
            &self.opts.namespace,
            &self.opts.state_name,
            &self.opts.config,
        );
        let pp = PostParams::default();
        let written = match st.resource_version {
            None => self.state.create(&pp, &cm).await,
            Some(_) => self.state.replace(&self.opts.state_name, &pp, &cm).await,
        };
        match written {
            Ok(cm) => {
                st.resource_version = cm.metadata.resource_version;
                self.done
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .retain(|d| !finished.contains(d));
                Ok(true)
            }
            Err(e) if is_conflict(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Gives namespace `name` a block if it lacks a uid range: reserve, then annotate.
    pub async fn allocate(&self, name: &str) -> Result<Outcome, AllocError> {
        let cfg = &self.opts.config;
        for _ in 0..ATTEMPTS {
            let Some(mut ns) = self.namespaces.get_opt(name).await? else {
                return Ok(Outcome::Gone);
            };
            if ns.annotations().contains_key(UID_RANGE_ANNOTATION) {
                return Ok(Outcome::AlreadyAllocated);
            }
            let uid = ns.metadata.uid.clone().unwrap_or_default();
            let mut st = self.read_state().await?;
            let reserved = st
                .pending
                .iter()
                .find(|(_, r)| r.namespace == name && r.uid == uid)
                .map(|(i, _)| *i);
            let index = match reserved {
                Some(i) => i,
                None => {
                    let Some(i) = st.bitmap.lowest_free() else {
                        return Ok(Outcome::Exhausted);
                    };
                    let i = i as u32;
                    if cfg.label(i).is_none() {
                        return Ok(Outcome::Exhausted);
                    }
                    st.bitmap.set(i as usize);
                    st.pending.insert(
                        i,
                        Reservation {
                            namespace: name.to_string(),
                            uid: uid.clone(),
                        },
                    );
                    if !self.write_state(&mut st).await? {
                        continue;
                    }
                    i
                }
            };
            let Some(label) = cfg.label(index) else {
                return Ok(Outcome::Exhausted);
            };
            let (annotations, _) = block_annotations(cfg, index, label, ns.annotations());
            ns.annotations_mut().extend(annotations.clone());
            // `ns` carries the resourceVersion it was read at: any change since (another
            // writer, a label edit) is a conflict, and the loop reads it again.
            match self
                .namespaces
                .replace(name, &PostParams::default(), &ns)
                .await
            {
                Ok(_) => {
                    self.done
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((index, uid));
                    return Ok(Outcome::Allocated { index, annotations });
                }
                Err(e) if is_conflict(&e) => continue,
                // Deleted meanwhile: the reservation is dropped at the next repair.
                Err(e) if is_not_found(&e) => return Ok(Outcome::Gone),
                Err(e) => return Err(e.into()),
            }
        }
        Err(AllocError::Contention {
            what: format!("namespace {name:?}"),
            attempts: ATTEMPTS,
        })
    }

    /// Rebuilds the state from the namespaces' annotations (OpenShift's repair), keeping the
    /// reservations of namespaces that exist and are not annotated yet, then finishes those.
    pub async fn repair(&self) -> Result<RepairReport, AllocError> {
        let cfg = &self.opts.config;
        for _ in 0..ATTEMPTS {
            // The state first, the namespaces second: a reservation made after this read
            // fails our write below (its resourceVersion moved), and one made before it is
            // for a namespace that already exists, hence is in the list.
            let mut st = self.read_state().await?;
            let list = self.namespaces.list(&ListParams::default()).await?;
            let mut fresh = AllocationState::empty(cfg);
            fresh.resource_version = st.resource_version.clone();
            let mut holders: BTreeMap<u32, String> = BTreeMap::new();
            let mut unannotated: BTreeMap<String, String> = BTreeMap::new();
            for ns in &list.items {
                let name = ns.name_any();
                match held_index(cfg, ns.annotations()) {
                    Some(i) => {
                        if let Some(other) = holders.get(&i) {
                            tracing::warn!(block = i, namespace = %name, other = %other, "repair: block held by two namespaces");
                        }
                        holders.entry(i).or_insert(name);
                        fresh.bitmap.set(i as usize);
                    }
                    None if !ns.annotations().contains_key(UID_RANGE_ANNOTATION) => {
                        unannotated.insert(name, ns.metadata.uid.clone().unwrap_or_default());
                    }
                    None => {
                        tracing::warn!(namespace = %name, "repair: uid-range annotation is not a block of the allocator's range")
                    }
                }
            }
            for (i, r) in &st.pending {
                let live = unannotated.get(&r.namespace) == Some(&r.uid);
                if live && !fresh.bitmap.get(*i as usize) {
                    fresh.bitmap.set(*i as usize);
                    fresh.pending.insert(*i, r.clone());
                }
            }
            let report = RepairReport {
                held: holders.len(),
                resumed: fresh.pending.len(),
                freed: st.bitmap.count().saturating_sub(fresh.bitmap.count()),
            };
            if fresh.bitmap != st.bitmap || fresh.pending != st.pending {
                st = fresh;
                if !self.write_state(&mut st).await? {
                    continue;
                }
            }
            for r in st.pending.values() {
                self.allocate(&r.namespace).await?;
            }
            return Ok(report);
        }
        Err(AllocError::Contention {
            what: "repair".into(),
            attempts: ATTEMPTS,
        })
    }
}

/// The running allocator: its leadership, the election and the controller.
pub struct Running {
    /// Whether this replica leads now.
    pub leading: watch::Receiver<bool>,
    election: lease::Election,
    controller: JoinHandle<()>,
}

impl Running {
    /// Stops at once, as a killed process would: the Lease is left to expire.
    pub fn kill(&self) {
        self.controller.abort();
        self.election.task.abort();
    }

    /// Stops gracefully (SIGTERM): no allocation starts any more, then the Lease is given
    /// up so that another replica takes over within a retry period.
    pub async fn stop(self) {
        self.controller.abort();
        let _ = self.controller.await;
        self.election.stop().await;
    }
}

/// Spawns the election and the controller that allocates while this replica leads.
pub fn spawn(client: Client, opts: AllocatorOptions) -> Running {
    let election = lease::spawn(Elector::new(client.clone(), opts.lease.clone()));
    let leading = election.leading.clone();
    let allocator = Arc::new(Allocator::new(client, opts, Some(leading.clone())));
    let mut rx = leading.clone();
    let controller = tokio::spawn(async move {
        loop {
            if rx.wait_for(|l| *l).await.is_err() {
                return;
            }
            tracing::info!("allocator: leading");
            lead(&allocator, &mut rx).await;
            tracing::info!("allocator: no longer leading");
        }
    });
    Running {
        leading,
        election,
        controller,
    }
}

async fn handle(allocator: &Allocator, name: &str, retry: &mut BTreeSet<String>) {
    match allocator.allocate(name).await {
        Ok(Outcome::Allocated { index, annotations }) => {
            retry.remove(name);
            tracing::info!(
                namespace = name,
                block = index,
                ?annotations,
                "allocator: CreatedSCCRanges"
            );
        }
        Ok(Outcome::Exhausted) => {
            // Blocks come free only at a repair; the next one, or the namespace's next
            // update, tries again.
            retry.remove(name);
            tracing::error!(
                namespace = name,
                "allocator: uid range exceeded (UIDRangeFull)"
            );
        }
        Ok(Outcome::AlreadyAllocated | Outcome::Gone) => {
            retry.remove(name);
        }
        Err(e) => {
            retry.insert(name.to_string());
            tracing::warn!(namespace = name, error = %e, "allocator: will retry");
        }
    }
}

/// The leader's loop: repair, then allocate for every namespace the watch shows without a uid
/// range; returns when leadership is lost.
async fn lead(allocator: &Allocator, leading: &mut watch::Receiver<bool>) {
    let opts = &allocator.opts;
    loop {
        match allocator.repair().await {
            Ok(report) => {
                tracing::info!(?report, "allocator: repaired");
                break;
            }
            Err(e) => tracing::warn!(error = %e, "allocator: repair failed; retrying"),
        }
        tokio::select! {
            _ = leading.wait_for(|l| !*l) => return,
            _ = tokio::time::sleep(opts.retry_interval) => {}
        }
    }
    let events = make_watcher(allocator.namespaces.clone(), watcher::Config::default())
        .default_backoff()
        .boxed();
    let mut events = events;
    let mut repair = tokio::time::interval(opts.repair_interval);
    repair.tick().await;
    let mut retry_tick = tokio::time::interval(opts.retry_interval);
    let mut retry: BTreeSet<String> = BTreeSet::new();
    loop {
        tokio::select! {
            changed = leading.changed() => {
                if changed.is_err() || !*leading.borrow() {
                    return;
                }
            }
            event = events.next() => match event {
                Some(Ok(Event::Apply(ns) | Event::InitApply(ns))) => {
                    if !ns.annotations().contains_key(UID_RANGE_ANNOTATION) {
                        handle(allocator, &ns.name_any(), &mut retry).await;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => tracing::warn!(error = %e, "allocator: namespace watch failed; retrying"),
                None => return,
            },
            _ = repair.tick() => match allocator.repair().await {
                Ok(report) => tracing::info!(?report, "allocator: repaired"),
                Err(e) => tracing::warn!(error = %e, "allocator: repair failed"),
            },
            _ = retry_tick.tick(), if !retry.is_empty() => {
                for name in std::mem::take(&mut retry) {
                    handle(allocator, &name, &mut retry).await;
                }
            }
        }
    }
}
