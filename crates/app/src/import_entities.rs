//! Importing an entity table: parents may be named by code or name, be stored already or appear
//! anywhere in the same file; rows are ordered so that parents load first. The importer hands the
//! entities inserted or changed to the pipeline after a change.

use std::collections::HashMap;

use yiping_io::{EntityRecord, Grid, ParentCell, Problem, SourceRef, parse_entities};
use yiping_kernel::{Catalog, EntityId, EntityKind, EntityMatch, NewEntity, normalize_name};
use yiping_store::{ChangeContext, EntityChange, EntityUpsert, ParentRef, Store, UpsertReport};

use crate::AppError;

enum Parent {
    None,
    Stored(EntityId),
    InFile(usize),
}

/// Imports (or, in a dry run, previews) the entity table `grid`: what was done, and the entities
/// inserted or changed (none in a dry run).
pub(crate) async fn import(
    store: &dyn Store,
    grid: &Grid,
    dry_run: bool,
    ctx: &ChangeContext,
) -> Result<(UpsertReport, Vec<EntityId>), AppError> {
    let rejected = |problems: Vec<Problem>| AppError::Rejected {
        file: grid.file.clone(),
        problems,
    };
    let records = merge_rows(parse_entities(grid).map_err(rejected)?).map_err(rejected)?;
    let catalog = Catalog::new(store.all_entities().await?, Vec::new());

    // Names and codes of the entities in this file.
    let mut in_file: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        if let Some(c) = &r.entity.code {
            in_file.entry(c.as_str().to_string()).or_default().push(i);
        }
        in_file
            .entry(normalize_name(&r.entity.name))
            .or_default()
            .push(i);
    }

    let mut problems = Vec::new();
    let mut parents: Vec<Vec<Parent>> = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        let mut mine = Vec::with_capacity(r.parents.len());
        for p in &r.parents {
            let key = normalize_name(&p.text);
            let upper = key.to_ascii_uppercase();
            let local = in_file.get(&upper).or_else(|| in_file.get(&key));
            let parent = match local.map(Vec::as_slice) {
                Some([j]) if *j == i => {
                    problems.push(Problem {
                        at: p.at.clone(),
                        value: p.text.clone(),
                        reason: "上级不能是自己".into(),
                    });
                    Parent::None
                }
                Some([j]) => Parent::InFile(*j),
                Some(many) if many.len() > 1 => {
                    problems.push(Problem {
                        at: p.at.clone(),
                        value: p.text.clone(),
                        reason: format!("本文件中有{}行同名，请用上级代码", many.len()),
                    });
                    Parent::None
                }
                _ => match catalog.find_entity(&p.text, None) {
                    EntityMatch::One(id) => Parent::Stored(id),
                    EntityMatch::Ambiguous(ids) => {
                        problems.push(Problem {
                            at: p.at.clone(),
                            value: p.text.clone(),
                            reason: format!("有{}个主体同名，请用上级代码", ids.len()),
                        });
                        Parent::None
                    }
                    EntityMatch::None => {
                        problems.push(Problem {
                            at: p.at.clone(),
                            value: p.text.clone(),
                            reason: "上级既不在本文件中，也不在数据库中".into(),
                        });
                        Parent::None
                    }
                },
            };
            mine.push(parent);
        }
        parents.push(mine);
    }

    let order = match parents_first(&parents) {
        Ok(o) => o,
        Err(i) => {
            let r = &records[i];
            problems.push(Problem {
                at: r.at.clone(),
                value: r.entity.name.clone(),
                reason: "上级关系成环（某行的上级最终又指回它自己）".into(),
            });
            Vec::new()
        }
    };
    if !problems.is_empty() {
        return Err(rejected(problems));
    }

    // Position of each record in the load order, for in-file parent references.
    let mut position = vec![0usize; records.len()];
    for (pos, &i) in order.iter().enumerate() {
        position[i] = pos;
    }
    let items: Vec<EntityUpsert> = order
        .iter()
        .map(|&i| {
            let r = &records[i];
            let mut up = EntityUpsert::new(r.entity.clone());
            for (p, parent) in r.parents.iter().zip(&parents[i]) {
                let link = p.link(EntityId(0));
                let pref = match *parent {
                    Parent::InFile(j) => Some(ParentRef::Earlier(position[j])),
                    Parent::Stored(id) => Some(ParentRef::Existing(id)),
                    Parent::None => None,
                };
                if let Some(pref) = pref {
                    up.parents.push((pref, link.valid_from, link.valid_to));
                }
            }
            up
        })
        .collect();

    if dry_run {
        return Ok((preview(&catalog, &records), Vec::new()));
    }
    let changes = store.upsert_entities(&items, ctx).await?;
    let mut report = UpsertReport::default();
    let mut changed = Vec::new();
    for (id, c) in changes {
        match c {
            EntityChange::Inserted => report.inserted += 1,
            EntityChange::Updated => report.updated += 1,
            EntityChange::Unchanged => report.unchanged += 1,
        }
        if c != EntityChange::Unchanged {
            changed.push(id);
        }
    }
    Ok((report, changed))
}

/// A topological order (parents before children), or the index of a row on a cycle.
fn parents_first(parents: &[Vec<Parent>]) -> Result<Vec<usize>, usize> {
    fn visit(
        i: usize,
        parents: &[Vec<Parent>],
        state: &mut [u8],
        order: &mut Vec<usize>,
    ) -> Result<(), usize> {
        // 0 = unvisited, 1 = on the current path, 2 = done.
        let mut stack = vec![(i, 0usize)];
        state[i] = 1;
        while let Some((node, next)) = stack.pop() {
            let deps: Vec<usize> = parents[node]
                .iter()
                .filter_map(|p| match p {
                    Parent::InFile(j) => Some(*j),
                    _ => None,
                })
                .collect();
            if let Some(&j) = deps.get(next) {
                stack.push((node, next + 1));
                match state[j] {
                    1 => return Err(j),
                    0 => {
                        state[j] = 1;
                        stack.push((j, 0));
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                order.push(node);
            }
        }
        Ok(())
    }
    let n = parents.len();
    let mut state = vec![0u8; n];
    let mut order = Vec::with_capacity(n);
    for start in 0..n {
        if state[start] == 0 {
            visit(start, parents, &mut state, &mut order)?;
        }
    }
    Ok(order)
}

/// The rows of one entity: several rows may share a code when each dates its parent link.
struct Merged {
    entity: NewEntity,
    parents: Vec<ParentCell>,
    at: SourceRef,
}

/// Joins the rows that share a kind and code into one entity with one parent link per row. The
/// row whose link is still valid (or the last) gives name, level, aliases, groups and
/// attributes; the other rows' names become aliases (a 县 renamed 区 keeps its former name).
/// Overlapping spans are refused, naming the row.
fn merge_rows(records: Vec<EntityRecord>) -> Result<Vec<Merged>, Vec<Problem>> {
    let mut out: Vec<Merged> = Vec::with_capacity(records.len());
    let mut by_code: HashMap<(EntityKind, String), usize> = HashMap::new();
    let mut problems = Vec::new();
    for r in records {
        let key = r
            .entity
            .code
            .as_ref()
            .map(|c| (r.entity.kind, c.as_str().to_string()));
        let Some(&i) = key.as_ref().and_then(|k| by_code.get(k)) else {
            if let Some(k) = key {
                by_code.insert(k, out.len());
            }
            out.push(Merged {
                entity: r.entity,
                parents: r.parent.into_iter().collect(),
                at: r.at,
            });
            continue;
        };
        let m = &mut out[i];
        if let Some(p) = r.parent {
            // The spans so far, to check the new one against (parents do not matter here).
            let spans = m.parents.iter().map(|q| q.link(EntityId(0)));
            let overlaps = spans.clone().any(|l| {
                NewEntity {
                    parents: vec![l],
                    ..m.entity.clone()
                }
                .with_parent(p.link(EntityId(0)))
                .is_err()
            });
            if overlaps {
                problems.push(Problem {
                    at: p.at.clone(),
                    value: p.text.clone(),
                    reason: "同一代码的各行，上级的有效期不能重叠".into(),
                });
                continue;
            }
            let newer = p.link(EntityId(0)).valid_to.is_none();
            m.parents.push(p);
            if newer {
                let old = std::mem::replace(&mut m.entity, r.entity);
                let former = old.name.clone();
                m.entity = m
                    .entity
                    .clone()
                    .with_aliases(old.aliases)
                    .with_aliases([former]);
                m.at = r.at;
            } else {
                let name = r.entity.name.clone();
                m.entity = m
                    .entity
                    .clone()
                    .with_aliases(r.entity.aliases)
                    .with_aliases([name]);
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// What a dry run would do: rows whose code (or codeless name) is stored count as updates.
fn preview(catalog: &Catalog, records: &[Merged]) -> UpsertReport {
    let mut r = UpsertReport::default();
    for rec in records {
        let text = rec
            .entity
            .code
            .as_ref()
            .map_or(rec.entity.name.as_str(), |c| c.as_str());
        match catalog.find_entity(text, Some(rec.entity.kind)) {
            EntityMatch::One(_) => r.updated += 1,
            _ => r.inserted += 1,
        }
    }
    r
}
