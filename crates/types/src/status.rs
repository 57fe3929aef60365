//! On-chain statuses of tasks and contributions, with the numeric values `viewTask` and
//! `viewContribution` return.

use crate::error::{Result, TypesError};
use serde::{Deserialize, Serialize};

/// `IexecLibCore_v5.TaskStatusEnum`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[repr(u8)]
pub enum TaskStatus {
    /// Not initialized yet.
    #[default]
    Unset = 0,
    /// Accepting contributions.
    Active = 1,
    /// Consensus reached; winners are revealing.
    Revealing = 2,
    /// Finalized and paid.
    Completed = 3,
    /// Claimed after the final deadline; the requester was refunded.
    Failed = 4,
}

impl TaskStatus {
    /// Whether the task can no longer change.
    pub fn is_final(self) -> bool {
        matches!(self, TaskStatus::Completed | TaskStatus::Failed)
    }
}

impl TryFrom<u8> for TaskStatus {
    type Error = TypesError;

    fn try_from(value: u8) -> Result<Self> {
        Ok(match value {
            0 => TaskStatus::Unset,
            1 => TaskStatus::Active,
            2 => TaskStatus::Revealing,
            3 => TaskStatus::Completed,
            4 => TaskStatus::Failed,
            _ => {
                return Err(TypesError::UnknownStatus {
                    kind: "TaskStatus",
                    value: value.into(),
                });
            }
        })
    }
}

/// `IexecLibCore_v5.ContributionStatusEnum`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[repr(u8)]
pub enum ContributionStatus {
    /// The worker has not contributed.
    #[default]
    Unset = 0,
    /// Contributed, not revealed.
    Contributed = 1,
    /// Revealed a result matching the consensus.
    Proved = 2,
    /// Was on the consensus but did not reveal before a reopen.
    Rejected = 3,
}

impl TryFrom<u8> for ContributionStatus {
    type Error = TypesError;

    fn try_from(value: u8) -> Result<Self> {
        Ok(match value {
            0 => ContributionStatus::Unset,
            1 => ContributionStatus::Contributed,
            2 => ContributionStatus::Proved,
            3 => ContributionStatus::Rejected,
            _ => {
                return Err(TypesError::UnknownStatus {
                    kind: "ContributionStatus",
                    value: value.into(),
                });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_status_values_round_trip() {
        for v in 0u8..=4 {
            assert_eq!(TaskStatus::try_from(v).expect("known") as u8, v);
        }
        assert!(matches!(
            TaskStatus::try_from(5),
            Err(TypesError::UnknownStatus {
                kind: "TaskStatus",
                value: 5
            })
        ));
        assert_eq!(TaskStatus::Revealing as u8, 2);
        assert!(TaskStatus::Failed.is_final() && !TaskStatus::Active.is_final());
        assert_eq!(
            serde_json::to_string(&TaskStatus::Completed).expect("serializable"),
            "\"COMPLETED\""
        );
    }

    #[test]
    fn contribution_status_values_round_trip() {
        for v in 0u8..=3 {
            assert_eq!(ContributionStatus::try_from(v).expect("known") as u8, v);
        }
        assert!(ContributionStatus::try_from(4).is_err());
        assert_eq!(ContributionStatus::Proved as u8, 2);
        assert_eq!(
            serde_json::from_str::<ContributionStatus>("\"REJECTED\"").expect("known"),
            ContributionStatus::Rejected
        );
    }
}
