//! Which shards to read, and when: a shard is read only after the parents it came from
//! (a split's parent, a merge's two parents) are drained, so each partition key's events
//! come out in order across reshardings. Parents the stream no longer lists (past
//! retention) do not hold their children back.

use std::collections::BTreeMap;

use super::since::StartPosition;

/// A shard as ListShards describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardInfo {
    /// Its id.
    pub id: String,
    /// `ParentShardId` and `AdjacentParentShardId`, when present.
    pub parents: Vec<String>,
    /// Whether it has an ending sequence number (split or merged away: no new records).
    pub closed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Reading,
    Done,
}

#[derive(Debug, Clone)]
struct Entry {
    info: ShardInfo,
    state: State,
    /// Listed after the read started: created by a resharding during the read.
    discovered_later: bool,
}

/// A shard to start reading, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardStart {
    /// The shard.
    pub id: String,
    /// Where its first iterator points.
    pub position: StartPosition,
}

/// The shards of one read and their progress.
#[derive(Debug, Clone)]
pub struct ShardPlan {
    start: StartPosition,
    shards: BTreeMap<String, Entry>,
}

impl ShardPlan {
    /// A plan for the shards listed when the read starts.
    pub fn new(start: StartPosition, listing: Vec<ShardInfo>) -> Self {
        let mut plan = Self {
            start,
            shards: BTreeMap::new(),
        };
        plan.add(listing, false);
        plan
    }

    /// Takes in a later listing: new shards (children of a resharding) and closures.
    pub fn update(&mut self, listing: Vec<ShardInfo>) {
        self.add(listing, true);
    }

    fn add(&mut self, listing: Vec<ShardInfo>, discovered_later: bool) {
        for info in listing {
            match self.shards.get_mut(&info.id) {
                Some(entry) => entry.info.closed = info.closed,
                None => {
                    self.shards.insert(
                        info.id.clone(),
                        Entry {
                            info,
                            state: State::Waiting,
                            discovered_later,
                        },
                    );
                }
            }
        }
    }

    /// Whether the latest listing says `id` is closed.
    pub fn is_closed(&self, id: &str) -> bool {
        self.shards.get(id).is_some_and(|entry| entry.info.closed)
    }

    /// The shards that can start now (every listed parent done), marked as being read.
    ///
    /// A shard created during the read starts at its beginning: every record in it
    /// arrived after the read began. Others start at the read's position.
    pub fn take_ready(&mut self) -> Vec<ShardStart> {
        let ready: Vec<String> = self
            .shards
            .values()
            .filter(|entry| entry.state == State::Waiting)
            .filter(|entry| {
                entry.info.parents.iter().all(|parent| {
                    self.shards
                        .get(parent)
                        .is_none_or(|parent| parent.state == State::Done)
                })
            })
            .map(|entry| entry.info.id.clone())
            .collect();
        ready
            .into_iter()
            .filter_map(|id| {
                let entry = self.shards.get_mut(&id)?;
                entry.state = State::Reading;
                let position = if entry.discovered_later {
                    StartPosition::TrimHorizon
                } else {
                    self.start
                };
                Some(ShardStart { id, position })
            })
            .collect()
    }

    /// Marks `id` as drained: its children may start.
    pub fn finish(&mut self, id: &str) {
        if let Some(entry) = self.shards.get_mut(id) {
            entry.state = State::Done;
        }
    }

    /// The closed shards, for the readers to know when caught up means done.
    pub fn closed_shards(&self) -> Vec<String> {
        self.shards
            .values()
            .filter(|entry| entry.info.closed)
            .map(|entry| entry.info.id.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(id: &str, parents: &[&str], closed: bool) -> ShardInfo {
        ShardInfo {
            id: id.into(),
            parents: parents.iter().map(|parent| (*parent).to_owned()).collect(),
            closed,
        }
    }

    fn ids(starts: &[ShardStart]) -> Vec<&str> {
        starts.iter().map(|start| start.id.as_str()).collect()
    }

    const LATEST: StartPosition = StartPosition::Latest;

    #[test]
    fn independent_shards_start_together_once() {
        let mut plan = ShardPlan::new(LATEST, vec![shard("a", &[], false), shard("b", &[], false)]);
        let ready = plan.take_ready();
        assert_eq!(ids(&ready), ["a", "b"]);
        assert!(ready.iter().all(|start| start.position == LATEST));
        assert!(plan.take_ready().is_empty());
    }

    #[test]
    fn children_wait_for_their_parent() {
        let mut plan = ShardPlan::new(
            StartPosition::TrimHorizon,
            vec![
                shard("p", &[], true),
                shard("c1", &["p"], false),
                shard("c2", &["p"], false),
            ],
        );
        assert_eq!(ids(&plan.take_ready()), ["p"]);
        assert!(plan.take_ready().is_empty());
        plan.finish("p");
        let children = plan.take_ready();
        assert_eq!(ids(&children), ["c1", "c2"]);
        // Listed from the start: they use the read's position.
        assert!(
            children
                .iter()
                .all(|start| start.position == StartPosition::TrimHorizon)
        );
    }

    #[test]
    fn a_merge_waits_for_both_parents() {
        let mut plan = ShardPlan::new(
            LATEST,
            vec![
                shard("a", &[], true),
                shard("b", &[], true),
                shard("m", &["a", "b"], false),
            ],
        );
        assert_eq!(ids(&plan.take_ready()), ["a", "b"]);
        plan.finish("b");
        assert!(plan.take_ready().is_empty());
        plan.finish("a");
        assert_eq!(ids(&plan.take_ready()), ["m"]);
    }

    #[test]
    fn parents_past_retention_do_not_block() {
        let mut plan = ShardPlan::new(LATEST, vec![shard("c", &["gone"], false)]);
        assert_eq!(ids(&plan.take_ready()), ["c"]);
    }

    #[test]
    fn shards_created_during_the_read_start_at_their_beginning() {
        let mut plan = ShardPlan::new(LATEST, vec![shard("p", &[], false)]);
        assert_eq!(ids(&plan.take_ready()), ["p"]);
        assert!(!plan.is_closed("p"));
        plan.update(vec![
            shard("p", &[], true),
            shard("c1", &["p"], false),
            shard("c2", &["p"], false),
        ]);
        assert!(plan.is_closed("p"));
        assert_eq!(plan.closed_shards(), ["p"]);
        assert!(plan.take_ready().is_empty());
        plan.finish("p");
        let children = plan.take_ready();
        assert_eq!(ids(&children), ["c1", "c2"]);
        assert!(
            children
                .iter()
                .all(|start| start.position == StartPosition::TrimHorizon)
        );
        // A later listing does not restart anything.
        plan.update(vec![shard("c1", &["p"], false)]);
        assert!(plan.take_ready().is_empty());
    }

    #[test]
    fn a_chain_of_reshardings_reads_in_generations() {
        let mut plan = ShardPlan::new(
            LATEST,
            vec![
                shard("g0", &[], true),
                shard("g1", &["g0"], true),
                shard("g2", &["g1"], false),
            ],
        );
        let mut order = Vec::new();
        loop {
            let ready = plan.take_ready();
            if ready.is_empty() {
                break;
            }
            for start in ready {
                plan.finish(&start.id);
                order.push(start.id);
            }
        }
        assert_eq!(order, ["g0", "g1", "g2"]);
        plan.finish("unknown");
    }
}
