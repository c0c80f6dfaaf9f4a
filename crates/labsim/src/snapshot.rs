//! A simulator written out as JSON text and read back: what the in-page
//! sandbox keeps across a reload.
//!
//! Everything the lab holds goes in (the table and its stream, the Lambda
//! and its logs, the collection, the role, faults, the setup, the clock's
//! lead, the timeline) except the identity store: no secret key and no
//! session token is ever written. [`Simulator::restore`] rebuilds the demo
//! credentials from the seed, as [`Simulator::reset`] does: the same keys,
//! a fresh expiry; credentials minted later (`/_labsim/credentials`, STS
//! AssumeRole) are gone, and the next ones minted do not repeat them.
//!
//! The timeline is written whole, with its sequence numbers and the
//! recorder's watermarks: no reset happened, so `/_labsim/events` goes on
//! after a restore as if the simulator had never stopped (a cursor read
//! before stays valid, nothing is recorded twice).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::dynamodb::DynamoDb;
use crate::faults::{FaultEvent, FaultSet};
use crate::iam::{LabRole, LabRoleSetup};
use crate::identity::IdentityStore;
use crate::lambda::Lambda;
use crate::opensearch::Collection;
use crate::rng::SplitMix64;
use crate::{iam, lab_ids, sts, timeline, ApiRequestEvent, SimConfig, Simulator};

/// The snapshot format this labsim writes and reads. Bump it whenever a
/// state type changes shape: an older snapshot is then refused (and the
/// sandbox starts fresh) rather than read wrongly.
pub const FORMAT: u32 = 1;

/// Why a snapshot was not restored.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// Not JSON at all.
    #[error("not a labsim snapshot: {0}")]
    NotJson(#[source] serde_json::Error),
    /// JSON without a snapshot's format field.
    #[error("not a labsim snapshot: no format (labsim_snapshot) in it")]
    NoFormat,
    /// Written by a labsim whose state had another shape.
    #[error("a snapshot of format {found}, and this labsim reads format {FORMAT} only")]
    OtherFormat { found: u64 },
    /// The right format, but the state in it does not read.
    #[error("a damaged labsim snapshot: {0}")]
    Damaged(#[source] serde_json::Error),
}

/// The written form: borrowed when written, owned when read.
#[derive(Serialize, Deserialize)]
struct Snapshot<'a> {
    labsim_snapshot: u32,
    config: Cow<'a, SimConfig>,
    /// Where minting stands, so credentials minted after a restore are not
    /// those minted before it (the keys come from the seed either way).
    minting: Cow<'a, SplitMix64>,
    request_ids: Cow<'a, SplitMix64>,
    apigw_ids: Cow<'a, SplitMix64>,
    dynamodb: Cow<'a, DynamoDb>,
    collection: Cow<'a, Collection>,
    lambda: Cow<'a, Lambda>,
    /// `lambda-lab-role`'s inline policies; its ids come from the config.
    role_setup: LabRoleSetup,
    role_created_ms: i64,
    faults: Cow<'a, FaultSet>,
    fault_log: Cow<'a, [FaultEvent]>,
    api_log: Cow<'a, [ApiRequestEvent]>,
    timeline: Cow<'a, timeline::Recorder>,
    clock_offset_ms: i64,
}

impl Simulator {
    /// The simulator as JSON text, with its format ([`FORMAT`]); no secret
    /// in it (see the module's header).
    pub fn snapshot(&self) -> String {
        let snapshot = Snapshot {
            labsim_snapshot: FORMAT,
            config: Cow::Borrowed(&self.config),
            minting: Cow::Borrowed(self.identity.minting()),
            request_ids: Cow::Borrowed(&self.request_ids),
            apigw_ids: Cow::Borrowed(&self.apigw_ids),
            dynamodb: Cow::Borrowed(&self.dynamodb),
            collection: Cow::Borrowed(&self.collection),
            lambda: Cow::Borrowed(&self.lambda),
            role_setup: self.lab_role.setup,
            role_created_ms: self.lab_role.created_ms,
            faults: Cow::Borrowed(&self.faults),
            fault_log: Cow::Borrowed(&self.fault_log),
            api_log: Cow::Borrowed(&self.api_log),
            timeline: Cow::Borrowed(&self.timeline),
            clock_offset_ms: self.clock_offset_ms,
        };
        // Every state type writes plain JSON (no map with non-string keys,
        // no float that is not finite), so this cannot fail.
        serde_json::to_string(&snapshot).expect("a simulator always writes as JSON")
    }

    /// The simulator `snapshot` wrote, going on at the host's clock
    /// `wall_ms` (the snapshot's clock lead is added to it). The demo
    /// credentials keep their keys and expire a full lifetime from now.
    pub fn restore(snapshot: &str, wall_ms: i64) -> Result<Simulator, SnapshotError> {
        // Read through a JSON tree: each state type's reader is then built
        // for the tree alone (serde_json's text reader is the larger code,
        // and it would be built once per type: 10 KB gzip in the sandbox).
        let tree: serde_json::Value =
            serde_json::from_str(snapshot).map_err(SnapshotError::NotJson)?;
        match tree.get("labsim_snapshot").map(serde_json::Value::as_u64) {
            None => return Err(SnapshotError::NoFormat),
            Some(Some(found)) if found == u64::from(FORMAT) => {}
            Some(found) => {
                return Err(SnapshotError::OtherFormat {
                    found: found.unwrap_or_default(),
                })
            }
        }
        let s = Snapshot::deserialize(tree).map_err(SnapshotError::Damaged)?;
        let config = s.config.into_owned();
        let now_ms = wall_ms.saturating_add(s.clock_offset_ms);
        let mut identity = IdentityStore::with_permissions(
            config.seed,
            now_ms,
            config.credential_ttl_seconds,
            iam::participant_permissions(&lab_ids(&config.region)),
        );
        identity.resume_minting(s.minting.into_owned());
        let lab_role = LabRole {
            ids: lab_ids(&config.region),
            setup: s.role_setup,
            role_id: sts::role_id(&identity, iam::LAMBDA_ROLE),
            created_ms: s.role_created_ms,
        };
        let mut lambda = s.lambda.into_owned();
        // The role's permissions are not written: they follow from its
        // setup.
        lambda.set_execution_role(lab_role.execution_role());
        let mut sim = Simulator {
            identity,
            request_ids: s.request_ids.into_owned(),
            apigw_ids: s.apigw_ids.into_owned(),
            dynamodb: s.dynamodb.into_owned(),
            collection: s.collection.into_owned(),
            lambda,
            lab_role,
            faults: s.faults.into_owned(),
            fault_log: s.fault_log.into_owned(),
            api_log: s.api_log.into_owned(),
            timeline: s.timeline.into_owned(),
            clock_offset_ms: s.clock_offset_ms,
            config,
        };
        sim.sync_switches();
        Ok(sim)
    }
}

/// Maps whose keys are not strings (tuples), written as `[key, value]`
/// pairs (JSON objects take string keys only). For `#[serde(with)]` on
/// ordered maps, so that equal states write equal text.
pub(crate) mod pairs {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<'a, M, K, V, S>(map: &'a M, serializer: S) -> Result<S::Ok, S::Error>
    where
        &'a M: IntoIterator<Item = (&'a K, &'a V)>,
        K: Serialize + 'a,
        V: Serialize + 'a,
        S: Serializer,
    {
        serializer.collect_seq(map)
    }

    pub fn deserialize<'de, M, K, V, D>(deserializer: D) -> Result<M, D::Error>
    where
        M: FromIterator<(K, V)>,
        K: Deserialize<'de>,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(deserializer)?
            .into_iter()
            .collect())
    }
}

/// A heap written in order, so that equal states write equal text (its
/// layout depends on the pushes and pops that built it). For
/// `#[serde(serialize_with)]`; it reads back as any heap does.
pub(crate) fn heap_in_order<T, S>(
    heap: &std::collections::BinaryHeap<T>,
    serializer: S,
) -> Result<S::Ok, S::Error>
where
    T: Serialize + Ord + Clone,
    S: serde::Serializer,
{
    // Index writes waiting to become searchable: a handful.
    serializer.collect_seq(heap.clone().into_sorted_vec())
}

/// A sequence number (21 digits and more) written as decimal text: a JSON
/// number that large does not survive the tree a snapshot is read
/// through. For `#[serde(with)]`.
pub(crate) mod decimal {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(n: &u128, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(n)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u128, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        text.parse().map_err(D::Error::custom)
    }
}

/// [`decimal`], or `null`.
pub(crate) mod decimal_or_none {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(n: &Option<u128>, serializer: S) -> Result<S::Ok, S::Error> {
        match n {
            Some(n) => super::decimal::serialize(n, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<u128>, D::Error> {
        Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?
            .map(|text| text.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests;
