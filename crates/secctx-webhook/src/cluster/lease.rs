//! Leader election through a `coordination.k8s.io/v1` Lease, the algorithm of client-go's
//! `leaderelection` package: GET the Lease; create it if missing; if another identity holds it
//! and it has not expired, wait; otherwise write ourselves in as holder with a replace carrying
//! the resourceVersion that was read, so that of two candidates racing for an expired Lease
//! the API server lets exactly one through (the other gets `409 Conflict`).
//!
//! Expiry is judged like client-go: not from the `renewTime` the holder wrote (another node's
//! clock), but from when this candidate last saw the Lease change, on its own monotonic clock.
//! A candidate that starts next to a dead holder therefore waits one full lease duration.
//!
//! Written by hand rather than with a crate: `kube-lease-manager` (the one maintained crate
//! for kube 5) takes over leases with server-side apply and relies on field-manager conflicts
//! for exclusion, a mechanism whose edge cases only a real API server reproduces, whereas
//! resourceVersion preconditions are the API's plain, well-defined guarantee, and the whole
//! algorithm is the hundred lines below.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::PostParams;
use kube::{Api, Client};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Lease timings and identity.
#[derive(Clone, Debug)]
pub struct LeaseConfig {
    /// The Lease's namespace (the webhook's own).
    pub namespace: String,
    /// The Lease's name.
    pub name: String,
    /// This candidate's identity (the pod name).
    pub identity: String,
    /// How long a holder's last write keeps others out (client-go default 15 s).
    pub lease_duration: Duration,
    /// A leader that could not renew for this long steps down (client-go default 10 s); it
    /// must be shorter than `lease_duration`, so that it stops before anyone may take over.
    pub renew_deadline: Duration,
    /// Time between attempts (client-go default 2 s).
    pub retry_period: Duration,
}

impl LeaseConfig {
    /// client-go's default timings.
    pub fn new(namespace: &str, name: &str, identity: &str) -> LeaseConfig {
        LeaseConfig {
            namespace: namespace.to_string(),
            name: name.to_string(),
            identity: identity.to_string(),
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
        }
    }
}

/// A Lease call that failed for a reason other than losing the race.
#[derive(Debug, thiserror::Error)]
#[error("lease {namespace}/{name}: {source}")]
pub struct LeaseError {
    /// Namespace of the Lease.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// The API error.
    #[source]
    pub source: kube::Error,
}

/// One candidate's view of the Lease.
pub struct Elector {
    api: Api<Lease>,
    cfg: LeaseConfig,
    /// The resourceVersion last seen and when it was first seen.
    observed: Option<(String, Instant)>,
}

fn is_conflict(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 409)
}

impl Elector {
    /// A candidate using `client`.
    pub fn new(client: Client, cfg: LeaseConfig) -> Elector {
        Elector {
            api: Api::namespaced(client, &cfg.namespace),
            cfg,
            observed: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &LeaseConfig {
        &self.cfg
    }

    fn error(&self, source: kube::Error) -> LeaseError {
        LeaseError {
            namespace: self.cfg.namespace.clone(),
            name: self.cfg.name.clone(),
            source,
        }
    }

    fn observe(&mut self, lease: &Lease) {
        let rv = lease.metadata.resource_version.clone().unwrap_or_default();
        if self.observed.as_ref().is_none_or(|(seen, _)| *seen != rv) {
            self.observed = Some((rv, Instant::now()));
        }
    }

    fn spec(&self, acquired: Timestamp, transitions: i32) -> LeaseSpec {
        LeaseSpec {
            holder_identity: Some(self.cfg.identity.clone()),
            lease_duration_seconds: Some(self.cfg.lease_duration.as_secs().max(1) as i32),
            acquire_time: Some(MicroTime(acquired)),
            renew_time: Some(MicroTime(Timestamp::now())),
            lease_transitions: Some(transitions),
            ..LeaseSpec::default()
        }
    }

    /// One attempt: `Ok(true)` when this candidate holds the Lease afterwards (acquired or
    /// renewed), `Ok(false)` when someone else does or won the race.
    pub async fn try_acquire_or_renew(&mut self) -> Result<bool, LeaseError> {
        let current = self
            .api
            .get_opt(&self.cfg.name)
            .await
            .map_err(|e| self.error(e))?;
        let Some(mut lease) = current else {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(self.cfg.name.clone()),
                    namespace: Some(self.cfg.namespace.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(self.spec(Timestamp::now(), 0)),
            };
            return match self.api.create(&PostParams::default(), &lease).await {
                Ok(created) => {
                    self.observe(&created);
                    Ok(true)
                }
                Err(e) if is_conflict(&e) => Ok(false),
                Err(e) => Err(self.error(e)),
            };
        };
        self.observe(&lease);
        let spec = lease.spec.clone().unwrap_or_default();
        let holder = spec.holder_identity.clone().unwrap_or_default();
        let ours = holder == self.cfg.identity;
        if !holder.is_empty() && !ours {
            let duration =
                Duration::from_secs(spec.lease_duration_seconds.unwrap_or(0).max(0) as u64);
            let seen = self.observed.as_ref().map(|(_, at)| *at);
            if seen.is_some_and(|at| at + duration > Instant::now()) {
                return Ok(false);
            }
        }
        let transitions = spec.lease_transitions.unwrap_or(0);
        let next = if ours {
            let acquired = spec
                .acquire_time
                .as_ref()
                .map(|t| t.0)
                .unwrap_or_else(Timestamp::now);
            self.spec(acquired, transitions)
        } else {
            self.spec(Timestamp::now(), transitions + 1)
        };
        lease.spec = Some(next);
        // `lease` still carries the resourceVersion it was read at: the precondition.
        match self
            .api
            .replace(&self.cfg.name, &PostParams::default(), &lease)
            .await
        {
            Ok(written) => {
                self.observe(&written);
                Ok(true)
            }
            Err(e) if is_conflict(&e) => Ok(false),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Gives the Lease up if this candidate holds it (client-go's `ReleaseOnCancel`): empties
    /// the holder so that another replica takes over at once instead of after a lease
    /// duration.
    pub async fn release(&mut self) -> Result<(), LeaseError> {
        let Some(mut lease) = self
            .api
            .get_opt(&self.cfg.name)
            .await
            .map_err(|e| self.error(e))?
        else {
            return Ok(());
        };
        let spec = lease.spec.get_or_insert_default();
        if spec.holder_identity.as_deref() != Some(self.cfg.identity.as_str()) {
            return Ok(());
        }
        spec.holder_identity = None;
        spec.lease_duration_seconds = Some(1);
        spec.renew_time = Some(MicroTime(Timestamp::now()));
        match self
            .api
            .replace(&self.cfg.name, &PostParams::default(), &lease)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_conflict(&e) => Ok(()),
            Err(e) => Err(self.error(e)),
        }
    }
}

/// A running election: whether this candidate leads, and how to stop it.
pub struct Election {
    /// Whether this candidate leads now.
    pub leading: watch::Receiver<bool>,
    /// The election task.
    pub task: JoinHandle<()>,
    stop: watch::Sender<bool>,
}

impl Election {
    /// Stops the election; a leader first gives the Lease up ([`Elector::release`]), so that
    /// another replica takes over within a retry period rather than a lease duration.
    pub async fn stop(self) {
        self.stop.send_replace(true);
        let _ = self.task.await;
    }
}

/// Runs the election until stopped: tries every `retry_period`; while leading, renews every
/// `retry_period` and steps down when a renewal is refused or none succeeded within
/// `renew_deadline`.
pub fn spawn(mut elector: Elector) -> Election {
    let (tx, rx) = watch::channel(false);
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        let cfg = elector.config().clone();
        let mut last_renew: Option<Instant> = None;
        loop {
            // A hung call must not keep a leader leading: each attempt is bounded like
            // client-go's renew context.
            let outcome =
                tokio::time::timeout(cfg.renew_deadline, elector.try_acquire_or_renew()).await;
            let leading = match outcome {
                Err(_) => {
                    tracing::warn!("leader election: the lease call did not finish in time");
                    last_renew.is_some_and(|at| at.elapsed() < cfg.renew_deadline)
                }
                Ok(Ok(true)) => {
                    last_renew = Some(Instant::now());
                    true
                }
                Ok(Ok(false)) => false,
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "leader election: could not read or write the lease");
                    // Keep leading only while the last renewal is recent enough.
                    last_renew.is_some_and(|at| at.elapsed() < cfg.renew_deadline)
                }
            };
            if !leading {
                last_renew = None;
            }
            if *tx.borrow() != leading {
                tracing::info!(identity = %cfg.identity, leading, "leader election: leadership changed");
                tx.send_replace(leading);
            }
            tokio::select! {
                _ = tokio::time::sleep(cfg.retry_period) => {}
                _ = stopped.wait_for(|s| *s) => break,
            }
        }
        // Stopping: stop leading first, then hand the Lease over.
        let was_leading = tx.send_replace(false);
        if was_leading {
            match tokio::time::timeout(cfg.retry_period, elector.release()).await {
                Ok(Ok(())) => {
                    tracing::info!(identity = %cfg.identity, "leader election: lease released")
                }
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "leader election: could not release the lease")
                }
                Err(_) => {
                    tracing::warn!("leader election: releasing the lease did not finish in time")
                }
            }
        }
    });
    Election {
        leading: rx,
        task,
        stop,
    }
}
