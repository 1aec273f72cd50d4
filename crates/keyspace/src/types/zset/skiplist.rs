//! The large sorted set encoding (`skiplist`): a member → score table plus
//! an order-statistics skiplist over (score, member).
//!
//! The table ([`OrderedMap`]) owns the members; skiplist nodes refer to
//! their member by table index, so a member is stored once. The table keeps
//! insertion order with swap-removal (deterministic, used by ZSCAN and the
//! codec); the skiplist gives O(log n) insert, delete, rank and
//! select-by-rank, and ordered iteration in both directions.
//!
//! Node levels come from a generator stored in the list and seeded with a
//! constant, so the structure is a deterministic function of the operations
//! applied. Nothing observable depends on the structure anyway: every search
//! either uses a predicate that is monotone in (score, member) order or goes
//! through ranks (see `SortedSet`'s lex ranges).

use std::cmp::Ordering;

use smallvec::SmallVec;

use crate::types::OrderedMap;
use crate::Blob;

/// "No node".
const NIL: u32 = u32::MAX;
/// The header node's index.
const HEAD: u32 = 0;
/// Maximum node level (enough for 2^64 elements with p = 1/4).
const MAX_LEVEL: usize = 32;

/// Compares two (score, member) pairs the way Redis orders a sorted set:
/// by score (with -0 equal to +0), then by member bytes.
pub(crate) fn cmp_entry(a_score: f64, a_member: &[u8], b_score: f64, b_member: &[u8]) -> Ordering {
    a_score
        .partial_cmp(&b_score)
        .unwrap_or(Ordering::Equal)
        .then_with(|| a_member.cmp(b_member))
}

#[derive(Debug, Clone, Copy)]
struct Link {
    next: u32,
    /// Number of level-0 steps this link spans. For a link with no next
    /// node: the number of elements after the node.
    span: u32,
}

#[derive(Debug, Clone)]
struct Node {
    score: f64,
    /// Index of the member in the table.
    entry: u32,
    backward: u32,
    links: SmallVec<[Link; 2]>,
}

/// An order-statistics skiplist of (score, entry) nodes; members are looked
/// up through a closure mapping an entry index to its bytes.
#[derive(Debug, Clone)]
struct RankList {
    nodes: Vec<Node>,
    free: Vec<u32>,
    level: usize,
    len: usize,
    tail: u32,
    rng: u64,
}

const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

impl RankList {
    fn new() -> RankList {
        let head = Node {
            score: 0.0,
            entry: NIL,
            backward: NIL,
            links: std::iter::repeat_n(Link { next: NIL, span: 0 }, MAX_LEVEL).collect(),
        };
        RankList {
            nodes: vec![head],
            free: Vec::new(),
            level: 1,
            len: 0,
            tail: NIL,
            rng: SEED,
        }
    }

    fn random_level(&mut self) -> usize {
        let mut level = 1;
        while level < MAX_LEVEL {
            // xorshift64*
            self.rng ^= self.rng >> 12;
            self.rng ^= self.rng << 25;
            self.rng ^= self.rng >> 27;
            let r = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
            if (r >> 32) & 3 != 0 {
                break;
            }
            level += 1;
        }
        level
    }

    fn node(&self, id: u32) -> &Node {
        &self.nodes[id as usize]
    }

    fn link(&self, id: u32, level: usize) -> Link {
        self.nodes[id as usize].links[level]
    }

    fn link_mut(&mut self, id: u32, level: usize) -> &mut Link {
        &mut self.nodes[id as usize].links[level]
    }

    fn alloc(&mut self, node: Node) -> u32 {
        match self.free.pop() {
            Some(id) => {
                self.nodes[id as usize] = node;
                id
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        }
    }

    /// Walks down from the header, following links while `before(next)`;
    /// fills `update` with the last node visited on each level and `rank`
    /// with its rank (number of nodes before it, header = 0).
    fn descend(
        &self,
        mut before: impl FnMut(&Node) -> bool,
        update: &mut [u32; MAX_LEVEL],
        rank: &mut [usize; MAX_LEVEL],
    ) {
        let mut x = HEAD;
        let mut traversed = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(x, i);
                if l.next != NIL && before(self.node(l.next)) {
                    traversed += l.span as usize;
                    x = l.next;
                } else {
                    break;
                }
            }
            update[i] = x;
            rank[i] = traversed;
        }
    }

    /// Inserts a node; the caller guarantees (score, member) is not present.
    fn insert<'a>(
        &mut self,
        score: f64,
        entry: u32,
        member: &[u8],
        key: impl Fn(u32) -> &'a [u8],
    ) -> u32 {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0usize; MAX_LEVEL];
        self.descend(
            |n| cmp_entry(n.score, key(n.entry), score, member) == Ordering::Less,
            &mut update,
            &mut rank,
        );
        let level = self.random_level();
        if level > self.level {
            for i in self.level..level {
                update[i] = HEAD;
                rank[i] = 0;
                self.link_mut(HEAD, i).span = self.len as u32;
            }
            self.level = level;
        }
        let id = self.alloc(Node {
            score,
            entry,
            backward: if update[0] == HEAD { NIL } else { update[0] },
            links: SmallVec::with_capacity(level),
        });
        for i in 0..level {
            let prev = self.link(update[i], i);
            let before = (rank[0] - rank[i]) as u32;
            self.nodes[id as usize].links.push(Link {
                next: prev.next,
                span: prev.span - before,
            });
            *self.link_mut(update[i], i) = Link {
                next: id,
                span: before + 1,
            };
        }
        for (i, &node) in update.iter().enumerate().take(self.level).skip(level) {
            self.link_mut(node, i).span += 1;
        }
        match self.link(id, 0).next {
            NIL => self.tail = id,
            next => self.nodes[next as usize].backward = id,
        }
        self.len += 1;
        id
    }

    /// Removes node `id`, whose (score, member) is given. Returns false if
    /// the node is not where the pair says it is.
    fn remove<'a>(&mut self, id: u32, member: &[u8], key: impl Fn(u32) -> &'a [u8]) -> bool {
        let score = self.node(id).score;
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0usize; MAX_LEVEL];
        self.descend(
            |n| cmp_entry(n.score, key(n.entry), score, member) == Ordering::Less,
            &mut update,
            &mut rank,
        );
        if self.link(update[0], 0).next != id {
            return false;
        }
        let links = std::mem::take(&mut self.nodes[id as usize].links);
        for (i, &node) in update.iter().enumerate().take(self.level) {
            let l = self.link_mut(node, i);
            match links.get(i) {
                Some(own) if l.next == id => {
                    l.span += own.span;
                    l.span -= 1;
                    l.next = own.next;
                }
                _ => l.span -= 1,
            }
        }
        let backward = self.node(id).backward;
        match links.first().map_or(NIL, |l| l.next) {
            NIL => self.tail = backward,
            next => self.nodes[next as usize].backward = backward,
        }
        while self.level > 1 && self.link(HEAD, self.level - 1).next == NIL {
            self.level -= 1;
        }
        self.len -= 1;
        self.nodes[id as usize].entry = NIL;
        self.free.push(id);
        true
    }

    /// Number of nodes `n` at the start of the order for which `before(n)`
    /// holds (`before` must be monotone: true then false).
    fn count_before(&self, mut before: impl FnMut(&Node) -> bool) -> usize {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0usize; MAX_LEVEL];
        self.descend(&mut before, &mut update, &mut rank);
        rank[0]
    }

    /// The node at 0-based `rank`.
    fn select(&self, rank: usize) -> Option<u32> {
        if rank >= self.len {
            return None;
        }
        let target = rank + 1;
        let mut x = HEAD;
        let mut traversed = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(x, i);
                if l.next != NIL && traversed + l.span as usize <= target {
                    traversed += l.span as usize;
                    x = l.next;
                } else {
                    break;
                }
            }
            if traversed == target {
                return Some(x);
            }
        }
        None
    }

    fn first(&self) -> u32 {
        self.link(HEAD, 0).next
    }

    fn next(&self, id: u32) -> u32 {
        self.link(id, 0).next
    }

    fn prev(&self, id: u32) -> u32 {
        self.node(id).backward
    }

    /// Builds a list from nodes already in order.
    fn from_sorted(items: impl IntoIterator<Item = (f64, u32)>) -> (RankList, Vec<u32>) {
        let mut list = RankList::new();
        let mut tails = [HEAD; MAX_LEVEL];
        let mut tail_rank = [0usize; MAX_LEVEL];
        let mut ids = Vec::new();
        for (score, entry) in items {
            let rank = list.len + 1;
            let level = list.random_level();
            list.level = list.level.max(level);
            let id = list.alloc(Node {
                score,
                entry,
                backward: if list.tail == NIL { NIL } else { list.tail },
                links: std::iter::repeat_n(Link { next: NIL, span: 0 }, level).collect(),
            });
            for i in 0..level {
                *list.link_mut(tails[i], i) = Link {
                    next: id,
                    span: (rank - tail_rank[i]) as u32,
                };
                tails[i] = id;
                tail_rank[i] = rank;
            }
            list.tail = id;
            list.len = rank;
            ids.push(id);
        }
        for i in 0..MAX_LEVEL {
            list.link_mut(tails[i], i).span = (list.len - tail_rank[i]) as u32;
        }
        (list, ids)
    }

    /// Number of node slots (live or free).
    fn slots(&self) -> usize {
        self.nodes.len() - 1
    }

    /// Checks every invariant (tests only).
    #[cfg(test)]
    fn check<'a>(&self, key: impl Fn(u32) -> &'a [u8]) {
        // Level 0 order and back links.
        let mut count = 0;
        let mut prev = NIL;
        let mut x = self.first();
        while x != NIL {
            let n = self.node(x);
            assert_eq!(n.backward, prev, "backward link");
            if prev != NIL {
                let p = self.node(prev);
                assert_eq!(
                    cmp_entry(p.score, key(p.entry), n.score, key(n.entry)),
                    Ordering::Less,
                    "order"
                );
            }
            prev = x;
            x = self.next(x);
            count += 1;
        }
        assert_eq!(count, self.len);
        assert_eq!(self.tail, prev);
        // Spans at every level equal the level-0 distance.
        let mut pos = std::collections::HashMap::new();
        let mut x = self.first();
        let mut r = 1;
        pos.insert(HEAD, 0usize);
        while x != NIL {
            pos.insert(x, r);
            r += 1;
            x = self.next(x);
        }
        for i in 0..self.level {
            let mut x = HEAD;
            loop {
                let l = self.link(x, i);
                let here = pos[&x];
                if l.next == NIL {
                    assert_eq!(l.span as usize, self.len - here, "tail span at level {i}");
                    break;
                }
                assert_eq!(l.span as usize, pos[&l.next] - here, "span at level {i}");
                x = l.next;
            }
        }
        for i in self.level..MAX_LEVEL {
            assert_eq!(self.link(HEAD, i).next, NIL);
        }
    }
}

/// Score and skiplist node of one member.
#[derive(Debug, Clone, Copy)]
struct Slot {
    score: f64,
    node: u32,
}

/// The `skiplist` encoding: members with their scores, indexed both by
/// member and by (score, member) order.
#[derive(Debug, Clone)]
pub struct Skiplist {
    map: OrderedMap<Blob, Slot>,
    list: RankList,
}

impl Default for Skiplist {
    fn default() -> Skiplist {
        Skiplist::new()
    }
}

impl PartialEq for Skiplist {
    /// Same members with bit-identical scores in the same table order (the
    /// order ZSCAN walks).
    fn eq(&self, other: &Skiplist) -> bool {
        self.map.len() == other.map.len()
            && self
                .map
                .iter()
                .zip(other.map.iter())
                .all(|((a, sa), (b, sb))| a == b && sa.score.to_bits() == sb.score.to_bits())
    }
}

fn key_of<'a>(map: &'a OrderedMap<Blob, Slot>) -> impl Fn(u32) -> &'a [u8] + 'a {
    move |entry| {
        map.get_index(entry as usize)
            .map_or(&[][..], |(k, _)| k.as_slice())
    }
}

impl Skiplist {
    /// An empty set.
    pub fn new() -> Skiplist {
        Skiplist {
            map: OrderedMap::default(),
            list: RankList::new(),
        }
    }

    /// Builds a set from members in (score, member) order, without
    /// duplicates.
    pub fn from_sorted<M: AsRef<[u8]>>(items: impl IntoIterator<Item = (M, f64)>) -> Skiplist {
        let mut map = OrderedMap::default();
        for (member, score) in items {
            map.insert(Blob::from_slice(member.as_ref()), Slot { score, node: NIL });
        }
        let (list, ids) =
            RankList::from_sorted(map.values().enumerate().map(|(i, s)| (s.score, i as u32)));
        for (slot, id) in map.values_mut().zip(ids) {
            slot.node = id;
        }
        Skiplist { map, list }
    }

    /// Builds a set from members in table order (any score order);
    /// `None` if a member repeats.
    pub fn from_table(items: Vec<(Blob, f64)>) -> Option<Skiplist> {
        let mut map = OrderedMap::default();
        map.reserve(items.len());
        for (member, score) in items {
            if map.insert(member, Slot { score, node: NIL }).is_some() {
                return None;
            }
        }
        let mut order: Vec<u32> = (0..map.len() as u32).collect();
        let (list, ids) = {
            let key = key_of(&map);
            let score_of = |e: u32| map.get_index(e as usize).map_or(0.0, |(_, s)| s.score);
            order.sort_by(|a, b| cmp_entry(score_of(*a), key(*a), score_of(*b), key(*b)));
            RankList::from_sorted(order.iter().map(|e| (score_of(*e), *e)))
        };
        for (entry, id) in order.into_iter().zip(ids) {
            if let Some((_, slot)) = map.get_index_mut(entry as usize) {
                slot.node = id;
            }
        }
        Some(Skiplist { map, list })
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.map.get(member).map(|s| s.score)
    }

    /// Adds `member` or changes its score; returns the previous score.
    pub fn insert(&mut self, member: &[u8], score: f64) -> Option<f64> {
        match self.map.get_full(member) {
            Some((entry, _, slot)) => {
                let old = *slot;
                self.rescore(entry as u32, old, member, score);
                Some(old.score)
            }
            None => {
                let (entry, _) = self
                    .map
                    .insert_full(Blob::from_slice(member), Slot { score, node: NIL });
                let node = self
                    .list
                    .insert(score, entry as u32, member, key_of(&self.map));
                if let Some((_, slot)) = self.map.get_index_mut(entry) {
                    slot.node = node;
                }
                None
            }
        }
    }

    fn rescore(&mut self, entry: u32, old: Slot, member: &[u8], score: f64) {
        let stays = {
            let key = key_of(&self.map);
            let prev = self.list.prev(old.node);
            let next = self.list.next(old.node);
            (prev == NIL || {
                let p = self.list.node(prev);
                cmp_entry(p.score, key(p.entry), score, member) == Ordering::Less
            }) && (next == NIL || {
                let n = self.list.node(next);
                cmp_entry(score, member, n.score, key(n.entry)) == Ordering::Less
            })
        };
        let node = if stays {
            self.list.nodes[old.node as usize].score = score;
            old.node
        } else {
            self.list.remove(old.node, member, key_of(&self.map));
            self.list.insert(score, entry, member, key_of(&self.map))
        };
        if let Some((_, slot)) = self.map.get_index_mut(entry as usize) {
            *slot = Slot { score, node };
        }
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let (entry, _, slot) = self.map.get_full(member)?;
        let slot = *slot;
        self.list.remove(slot.node, member, key_of(&self.map));
        self.map.swap_remove_index(entry);
        // The last entry moved into `entry`: repoint its node.
        if let Some((_, moved)) = self.map.get_index(entry) {
            self.list.nodes[moved.node as usize].entry = entry as u32;
        }
        self.maybe_shrink();
        Some(slot.score)
    }

    /// Rebuilds the list compactly when most node slots are free.
    fn maybe_shrink(&mut self) {
        let slots = self.list.slots();
        if slots > 64 && self.len() * 4 < slots {
            let order: Vec<(f64, u32)> = self
                .ranks(0)
                .map(|id| {
                    let n = self.list.node(id);
                    (n.score, n.entry)
                })
                .collect();
            let (list, ids) = RankList::from_sorted(order.iter().copied());
            for ((_, entry), id) in order.into_iter().zip(ids) {
                if let Some((_, slot)) = self.map.get_index_mut(entry as usize) {
                    slot.node = id;
                }
            }
            self.list = list;
            self.map.shrink_to_fit();
        }
    }

    /// 0-based rank of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let slot = self.map.get(member)?;
        let key = key_of(&self.map);
        let score = slot.score;
        let count = self
            .list
            .count_before(|n| cmp_entry(n.score, key(n.entry), score, member) != Ordering::Greater);
        count.checked_sub(1)
    }

    /// The member and score at 0-based `rank`.
    pub fn at(&self, rank: usize) -> Option<(&[u8], f64)> {
        self.list.select(rank).map(|id| self.entry(id))
    }

    fn entry(&self, id: u32) -> (&[u8], f64) {
        let n = self.list.node(id);
        let member = self
            .map
            .get_index(n.entry as usize)
            .map_or(&[][..], |(k, _)| k.as_slice());
        (member, n.score)
    }

    /// Number of leading members whose score satisfies `before` (monotone:
    /// true for low scores, then false).
    pub fn count_scores(&self, before: impl Fn(f64) -> bool) -> usize {
        self.list.count_before(|n| before(n.score))
    }

    /// Node ids from `rank` upwards.
    fn ranks(&self, rank: usize) -> impl Iterator<Item = u32> + '_ {
        let mut id = if rank == 0 {
            self.list.first()
        } else {
            self.list.select(rank).unwrap_or(NIL)
        };
        std::iter::from_fn(move || {
            (id != NIL).then(|| {
                let here = id;
                id = self.list.next(id);
                here
            })
        })
    }

    /// Members and scores in order, from `rank` upwards.
    pub fn iter_from(&self, rank: usize) -> impl Iterator<Item = (&[u8], f64)> + '_ {
        self.ranks(rank).map(|id| self.entry(id))
    }

    /// Members and scores in reverse order, from `rank` (an ascending rank)
    /// downwards.
    pub fn iter_back_from(&self, rank: usize) -> impl Iterator<Item = (&[u8], f64)> + '_ {
        let mut id = if rank + 1 == self.len() {
            self.list.tail
        } else {
            self.list.select(rank).unwrap_or(NIL)
        };
        std::iter::from_fn(move || {
            (id != NIL).then(|| {
                let here = id;
                id = self.list.prev(id);
                self.entry(here)
            })
        })
    }

    /// Members and scores in table order (insertion order with
    /// swap-removal): the order of ZSCAN and of the codec.
    pub fn table(&self) -> impl ExactSizeIterator<Item = (&[u8], f64)> + '_ {
        self.map.iter().map(|(k, s)| (k.as_slice(), s.score))
    }

    /// Table entry at `index`.
    pub fn table_entry(&self, index: usize) -> Option<(&[u8], f64)> {
        self.map
            .get_index(index)
            .map(|(k, s)| (k.as_slice(), s.score))
    }

    #[cfg(test)]
    pub(crate) fn check(&self) {
        self.list.check(key_of(&self.map));
        assert_eq!(self.list.len, self.map.len());
        for (i, (_, slot)) in self.map.iter().enumerate() {
            assert_eq!(self.list.node(slot.node).entry as usize, i);
            assert_eq!(
                self.list.node(slot.node).score.to_bits(),
                slot.score.to_bits()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// Model entry ordered like a sorted set (scores are small integers
    /// here so `i64` order is the f64 order).
    type Model = BTreeSet<(i64, Vec<u8>)>;

    fn member(i: u8) -> Vec<u8> {
        format!("m{i}").into_bytes()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn matches_a_btree(ops in proptest::collection::vec((0u8..4, 0u8..60, -5i64..5), 1..400)) {
            let mut s = Skiplist::new();
            let mut model = Model::new();
            let mut scores = std::collections::HashMap::new();
            for (kind, m, score) in ops {
                let m = member(m);
                match kind {
                    0 | 1 => {
                        let old = s.insert(&m, score as f64);
                        let model_old = scores.insert(m.clone(), score);
                        prop_assert_eq!(old.map(|f| f as i64), model_old);
                        if let Some(o) = model_old { model.remove(&(o, m.clone())); }
                        model.insert((score, m));
                    }
                    2 => {
                        let old = s.remove(&m);
                        let model_old = scores.remove(&m);
                        prop_assert_eq!(old.map(|f| f as i64), model_old);
                        if let Some(o) = model_old { model.remove(&(o, m)); }
                    }
                    _ => {
                        let rank = s.rank(&m);
                        let model_rank = scores.get(&m).map(|sc| model.range(..(*sc, m.clone())).count());
                        prop_assert_eq!(rank, model_rank);
                    }
                }
                s.check();
            }
            let items: Vec<(i64, Vec<u8>)> = s.iter_from(0).map(|(m, sc)| (sc as i64, m.to_vec())).collect();
            let expected: Vec<(i64, Vec<u8>)> = model.iter().cloned().collect();
            prop_assert_eq!(&items, &expected);
            for (r, e) in expected.iter().enumerate() {
                let (m, sc) = s.at(r).unwrap();
                prop_assert_eq!((sc as i64, m.to_vec()), e.clone());
                let back: Vec<(i64, Vec<u8>)> = s.iter_back_from(r).map(|(m, sc)| (sc as i64, m.to_vec())).collect();
                let exp_back: Vec<(i64, Vec<u8>)> = expected[..=r].iter().rev().cloned().collect();
                prop_assert_eq!(back, exp_back);
            }
            prop_assert!(s.at(expected.len()).is_none());
            for bound in -6i64..6 {
                let below = s.count_scores(|sc| sc < bound as f64);
                prop_assert_eq!(below, model.iter().filter(|(sc, _)| *sc < bound).count());
            }
            let rebuilt = Skiplist::from_sorted(s.iter_from(0).map(|(m, sc)| (m.to_vec(), sc)));
            rebuilt.check();
            let again: Vec<(i64, Vec<u8>)> = rebuilt.iter_from(0).map(|(m, sc)| (sc as i64, m.to_vec())).collect();
            prop_assert_eq!(again, expected);
        }
    }

    #[test]
    fn shrinks_after_mass_removal() {
        let mut s = Skiplist::new();
        for i in 0..1000u32 {
            s.insert(format!("{i:04}").as_bytes(), f64::from(i % 7));
        }
        for i in 0..990u32 {
            s.remove(format!("{i:04}").as_bytes());
            if i % 97 == 0 {
                s.check();
            }
        }
        s.check();
        assert!(s.list.slots() < 100);
        assert_eq!(s.len(), 10);
    }
}
