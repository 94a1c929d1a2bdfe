//! The allocator's one shared state object: a ConfigMap in the webhook's namespace, playing
//! the part of OpenShift's `RangeAllocation` `scc-uid` (spec §3.2 step 2). Every write carries
//! the resourceVersion it was read at, so two writers can never both win: the API server
//! answers the second with `409 Conflict` and it reads again.
//!
//! Keys:
//! - `data.range`: the space, `1000000000-1999999999/10000` (refused if it does not match the
//!   allocator's configuration: the bitmap would mean other blocks);
//! - `binaryData.allocated`: the bitmap, in `RangeAllocation.data`'s byte form ([`Bitmap`]);
//! - `data.pending`: blocks reserved for a namespace (by name and uid) whose annotations have
//!   not been seen written yet, as JSON `{"<block>": {"namespace": .., "uid": ..}}`.
//!
//! `pending` is the one addition to OpenShift's state. OpenShift's repair rebuilds the bitmap
//! from annotations only, so a block reserved by a leader that stalled before annotating can
//! be freed by its successor's repair and given to a second namespace, and then written by the
//! stalled leader too. With the reservation recorded, repair keeps the block and completes the
//! annotation itself, with the same values the stalled leader would write.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use secctx_core::admission::allocation::AllocatorConfig;
use serde::{Deserialize, Serialize};

use super::bitmap::{Bitmap, BitmapError};

/// The ConfigMap's default name.
pub const DEFAULT_NAME: &str = "secctx-scc-allocation";
/// `data` key of the range.
pub const RANGE_KEY: &str = "range";
/// `binaryData` key of the bitmap.
pub const BITMAP_KEY: &str = "allocated";
/// `data` key of the pending reservations.
pub const PENDING_KEY: &str = "pending";

/// A block reserved for one namespace, not yet seen annotated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// The namespace's name.
    pub namespace: String,
    /// Its `metadata.uid`: a namespace deleted and created again under the same name is
    /// another namespace, and does not inherit the reservation.
    pub uid: String,
}

/// The state as read from (or to be written to) the ConfigMap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllocationState {
    /// Taken blocks.
    pub bitmap: Bitmap,
    /// Reservations by block index.
    pub pending: BTreeMap<u32, Reservation>,
    /// The resourceVersion it was read at; `None` for a state not stored yet.
    pub resource_version: Option<String>,
}

/// A state object that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Written for another range.
    #[error(
        "the allocation state was written for the range {found:?}, but this allocator allocates {expected:?}; refusing to reuse its bitmap"
    )]
    Range {
        /// The object's `data.range`.
        found: String,
        /// The configured range.
        expected: String,
    },
    /// The bitmap does not fit the range.
    #[error("{0}")]
    Bitmap(#[from] BitmapError),
    /// `data.pending` is not the expected JSON.
    #[error("data.pending: {0}")]
    Pending(String),
}

impl AllocationState {
    /// Nothing allocated.
    pub fn empty(cfg: &AllocatorConfig) -> AllocationState {
        AllocationState {
            bitmap: Bitmap::new(cfg.blocks() as usize),
            pending: BTreeMap::new(),
            resource_version: None,
        }
    }

    /// Reads the ConfigMap.
    pub fn from_config_map(
        cm: &ConfigMap,
        cfg: &AllocatorConfig,
    ) -> Result<AllocationState, StoreError> {
        let expected = cfg.range_string();
        let data = cm.data.as_ref();
        let range = data.and_then(|d| d.get(RANGE_KEY));
        if let Some(found) = range
            && *found != expected
        {
            return Err(StoreError::Range {
                found: found.clone(),
                expected,
            });
        }
        let bytes = cm
            .binary_data
            .as_ref()
            .and_then(|b| b.get(BITMAP_KEY))
            .map(|b| b.0.as_slice())
            .unwrap_or_default();
        let bitmap = Bitmap::decode(bytes, cfg.blocks() as usize)?;
        let pending = match data.and_then(|d| d.get(PENDING_KEY)) {
            None => BTreeMap::new(),
            Some(text) => {
                serde_json::from_str(text).map_err(|e| StoreError::Pending(e.to_string()))?
            }
        };
        Ok(AllocationState {
            bitmap,
            pending,
            resource_version: cm.metadata.resource_version.clone(),
        })
    }

    /// The ConfigMap `namespace/name` holding this state, carrying the resourceVersion it was
    /// read at (the API server refuses it if the object changed since).
    pub fn to_config_map(&self, namespace: &str, name: &str, cfg: &AllocatorConfig) -> ConfigMap {
        let mut data = BTreeMap::new();
        data.insert(RANGE_KEY.to_string(), cfg.range_string());
        if !self.pending.is_empty() {
            // A map of plain strings and integers always serializes.
            let text = serde_json::to_string(&self.pending).unwrap_or_else(|_| "{}".into());
            data.insert(PENDING_KEY.to_string(), text);
        }
        let mut binary = BTreeMap::new();
        binary.insert(BITMAP_KEY.to_string(), ByteString(self.bitmap.encode()));
        ConfigMap {
            metadata: ObjectMeta {
                name: Some(name.to_string()),
                namespace: Some(namespace.to_string()),
                resource_version: self.resource_version.clone(),
                ..ObjectMeta::default()
            },
            data: Some(data),
            binary_data: Some(binary),
            ..ConfigMap::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let cfg = AllocatorConfig::default();
        let mut s = AllocationState::empty(&cfg);
        s.bitmap.set(0);
        s.bitmap.set(9);
        s.pending.insert(
            9,
            Reservation {
                namespace: "team-a".into(),
                uid: "u-1".into(),
            },
        );
        s.resource_version = Some("42".into());
        let cm = s.to_config_map("secctx-system", DEFAULT_NAME, &cfg);
        let data = cm.data.as_ref().expect("data");
        assert_eq!(data[RANGE_KEY], "1000000000-1999999999/10000");
        assert_eq!(
            data[PENDING_KEY],
            r#"{"9":{"namespace":"team-a","uid":"u-1"}}"#
        );
        assert_eq!(
            cm.binary_data.as_ref().expect("binary")[BITMAP_KEY].0,
            vec![0x02, 0x01]
        );
        assert_eq!(
            AllocationState::from_config_map(&cm, &cfg).expect("reads"),
            s
        );
    }

    #[test]
    fn another_range_is_refused() {
        let cfg = AllocatorConfig::default();
        let cm = AllocationState::empty(&cfg).to_config_map("ns", DEFAULT_NAME, &cfg);
        let other = AllocatorConfig {
            block_size: 5_000,
            ..cfg
        };
        let err = AllocationState::from_config_map(&cm, &other).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "the allocation state was written for the range \"1000000000-1999999999/10000\", but this allocator allocates \"1000000000-1999999999/5000\"; refusing to reuse its bitmap"
        );
    }

    #[test]
    fn bad_pending_is_an_error() {
        let cfg = AllocatorConfig::default();
        let mut cm = AllocationState::empty(&cfg).to_config_map("ns", DEFAULT_NAME, &cfg);
        cm.data
            .get_or_insert_default()
            .insert(PENDING_KEY.into(), "[1]".into());
        let err = AllocationState::from_config_map(&cm, &cfg).expect_err("refused");
        assert!(
            err.to_string().starts_with("data.pending: invalid type"),
            "{err}"
        );
    }
}
