//! Who may do what: the seven roles of yiping's users, the capabilities each role has, and the
//! scope of a user (their unit's subtree).
//!
//! Principal items: [`Role`], [`Capability`] with [`Role::can`] (the rule table, tested cell by
//! cell), [`Scope`] (the set of entities a user may see and change) and [`Principal`] (a signed-in
//! user with role, unit and scope). Nothing here touches storage or HTTP: the application builds
//! a [`Scope`] from the hierarchy and asks [`Principal::require`] before every read and write.

mod role;
mod scope;

pub use role::{Capability, Role};
pub use scope::{AccessError, Principal, Scope};

#[cfg(test)]
mod tests;
