//! A user's scope (their unit's subtree) and the signed-in principal.

use std::fmt;
use std::sync::Arc;

use rustc_hash::FxHashSet;
use yiping_kernel::EntityId;

use crate::role::{Capability, Role};

/// The entities a user may see and change: their unit and everything below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    root: EntityId,
    ids: FxHashSet<EntityId>,
    /// Every entity, listed or not: the system's own scope.
    everything: bool,
}

impl Scope {
    /// The subtree of `root`; `members` are its descendants (`root` is added if missing).
    pub fn new(root: EntityId, members: impl IntoIterator<Item = EntityId>) -> Self {
        let mut ids: FxHashSet<EntityId> = members.into_iter().collect();
        ids.insert(root);
        Self {
            root,
            ids,
            everything: false,
        }
    }

    /// Every entity there is, without listing them (the system: the command line run by the
    /// operator of the database). `root` is the unit it nominally works in.
    pub fn everything(root: EntityId) -> Self {
        Self {
            everything: true,
            ..Self::new(root, [])
        }
    }

    /// Whether the scope holds every entity (so a reader need not check row by row).
    pub fn is_everything(&self) -> bool {
        self.everything
    }

    /// A scope holding only `unit` (an enterprise sees itself).
    pub fn single(unit: EntityId) -> Self {
        Self::new(unit, [])
    }

    pub fn root(&self) -> EntityId {
        self.root
    }

    pub fn contains(&self, id: EntityId) -> bool {
        self.everything || self.ids.contains(&id)
    }

    /// The entities listed (for [`Scope::everything`], only the root: the rest is not listed).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The entities listed (see [`Scope::len`]).
    pub fn iter(&self) -> impl Iterator<Item = EntityId> + '_ {
        self.ids.iter().copied()
    }
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessError {
    /// The role lacks the capability.
    Role { role: Role, cap: Capability },
    /// The entity is outside the user's unit subtree.
    OutOfScope { unit_name: String },
    /// A rule of the action itself refuses this caller (only an administrator may give the time
    /// of an action, say); the reason is the Chinese sentence shown to them.
    Rule(String),
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Role { role, cap } => write!(f, "{}无权{}", role.label_zh(), cap.label_zh()),
            Self::OutOfScope { unit_name } => {
                write!(f, "超出本单位（{unit_name}）的管辖范围")
            }
            Self::Rule(reason) => f.write_str(reason),
        }
    }
}

impl std::error::Error for AccessError {}

/// A signed-in user: who, in which role, for which unit, seeing which entities.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub unit: EntityId,
    pub unit_name: String,
    pub scope: Arc<Scope>,
}

impl Principal {
    pub fn can(&self, cap: Capability) -> bool {
        self.role.can(cap)
    }

    /// Refuses unless the role has `cap`.
    pub fn require(&self, cap: Capability) -> Result<(), AccessError> {
        if self.can(cap) {
            Ok(())
        } else {
            Err(AccessError::Role {
                role: self.role,
                cap,
            })
        }
    }

    /// The system itself, acting where no user signs in (the command line on the database
    /// file or server: `yiping evaluate`, `yiping export`): an administrator seeing every entity.
    pub fn system() -> Self {
        Self {
            user_id: 0,
            login: "system".into(),
            name: "系统".into(),
            role: Role::Admin,
            unit: EntityId(0),
            unit_name: "系统".into(),
            scope: Arc::new(Scope::everything(EntityId(0))),
        }
    }

    /// Whether `id` lies in the user's unit subtree.
    pub fn sees(&self, id: EntityId) -> bool {
        self.scope.contains(id)
    }

    /// Refuses unless the role has `cap` and `id` lies in the user's subtree.
    pub fn require_in(&self, cap: Capability, id: EntityId) -> Result<(), AccessError> {
        self.require(cap)?;
        if self.sees(id) {
            Ok(())
        } else {
            Err(AccessError::OutOfScope {
                unit_name: self.unit_name.clone(),
            })
        }
    }

    /// The subtree root the user works in (their unit).
    pub fn home(&self) -> EntityId {
        self.scope.root()
    }
}
