//! Typed identifiers: every entity id is a UUIDv7 wrapped in its own type so that a
//! volunteer id can never be passed where a reward id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::stream::StreamId;

macro_rules! entity_id {
    ($(#[$meta:meta])* $name:ident, $stream_prefix:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// The prefix of the event stream that holds this entity's events.
            pub const STREAM_PREFIX: &'static str = $stream_prefix;

            /// A fresh time-ordered id (UUIDv7), so ids sort roughly by creation time.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID (e.g. one parsed from a URL or built deterministically).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The event stream that holds this entity's events, e.g. `volunteer-0190…`.
            pub fn stream(&self) -> StreamId {
                StreamId::for_entity($stream_prefix, self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

entity_id!(
    /// A volunteer team (e.g. a mediation team in one district).
    TeamId,
    "team"
);
entity_id!(
    /// A registered volunteer.
    VolunteerId,
    "volunteer"
);
entity_id!(
    /// One logged activity with its participants.
    ActivityId,
    "activity"
);
entity_id!(
    /// An item of the e-station catalogue.
    RewardId,
    "reward"
);
entity_id!(
    /// One redemption (a hold that is later fulfilled, cancelled or expired).
    RedemptionId,
    "redemption"
);
entity_id!(
    /// An access token (the secret itself is never stored, only its hash).
    TokenId,
    "token"
);
entity_id!(
    /// The id of one event envelope.
    EventId,
    "event"
);
entity_id!(
    /// A cross-region group of teams (e.g. 银雁协共体) or one of its sub-groups.
    GroupId,
    "group"
);
entity_id!(
    /// A project on the managed project list (项目清单).
    ProjectId,
    "project"
);
entity_id!(
    /// A volunteer's dispute of an entry (or of one missing).
    DisputeId,
    "dispute"
);
entity_id!(
    /// An e-station (银领共富 e站): a counter with its own stock. The nil id is the one
    /// station every log had before stations were records.
    StationId,
    "station"
);

impl StationId {
    /// The station of logs from before stations were records: every stock listed or
    /// restocked without a station, and every hold without one, is here.
    pub const FIRST: StationId = StationId(Uuid::nil());
}
