//! The explored state graph: one compact record per state, edges with interned
//! labels, and the BFS tree (parent and depth) for shortest counterexamples.

use rustc_hash::FxHashMap;

/// What the checker keeps about one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeInfo {
    /// The BFS parent (the start state is its own parent).
    pub parent: u32,
    /// Distance from the start state.
    pub depth: u32,
    /// Peers (bits by index) that have not finished.
    pub unfinished: u64,
    /// Peers (bits by index) with messages in their inbox.
    pub inbox: u64,
    /// The set of enabled threads ([`Graph::thread_sets`]).
    pub enabled: u32,
    /// Where each peer is in its protocol ([`Graph::placements`]).
    pub placement: u32,
    /// How far the state was explored.
    pub status: Status,
}

/// How far a state was explored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Not expanded (a state or time limit stopped the search first).
    Unexpanded,
    /// Expanded, every successor within the bounds.
    Expanded,
    /// Expanded, but some successors exceed the inbox or term-depth bound and
    /// were not explored.
    Cut,
}

impl Status {
    /// Whether everything after this state is known.
    pub fn is_complete(self) -> bool {
        self == Status::Expanded
    }
}

/// An edge between two states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// Source state.
    pub src: u32,
    /// Target state.
    pub dst: u32,
    /// The label ([`Graph::labels`]).
    pub label: u32,
}

/// What a transition is, as far as the properties care.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Label {
    /// The peer that moved (its index in the source state).
    pub peer: u8,
    /// A step fired (false: the peer went to sleep after a failed attempt).
    pub fired: bool,
    /// A message was sent or received.
    pub comm: bool,
    /// The moving peer took a message from its inbox.
    pub receives: bool,
    /// The thread (par branches) of the moving peer that fired.
    pub thread: u32,
    /// How peer indices of the target correspond to the stored target
    /// ([`Graph::perms`]): `perms[sigma][q]` is the stored index of peer `q`.
    pub sigma: u32,
}

/// Interns values as dense numbers.
#[derive(Debug, Clone)]
pub struct Interner<T> {
    /// The values, by number.
    pub values: Vec<T>,
    index: FxHashMap<T, u32>,
}

impl<T: Clone + Eq + std::hash::Hash> Default for Interner<T> {
    fn default() -> Self {
        Interner {
            values: Vec::new(),
            index: FxHashMap::default(),
        }
    }
}

impl<T: Clone + Eq + std::hash::Hash> Interner<T> {
    /// The number of `value`, adding it if new.
    pub fn intern(&mut self, value: T) -> u32 {
        if let Some(&i) = self.index.get(&value) {
            return i;
        }
        let i = self.values.len() as u32;
        self.index.insert(value.clone(), i);
        self.values.push(value);
        i
    }

    /// The value numbered `i`.
    pub fn get(&self, i: u32) -> &T {
        &self.values[i as usize]
    }
}

/// The explored graph.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// The number of peers.
    pub peers: usize,
    /// One record per state, in BFS order (state 0 is the start).
    pub nodes: Vec<NodeInfo>,
    /// Every edge found.
    pub edges: Vec<Edge>,
    /// Edge labels.
    pub labels: Interner<Label>,
    /// Threads: (peer, par branches taken).
    pub threads: Interner<(u8, Vec<u32>)>,
    /// Sets of enabled threads (sorted).
    pub thread_sets: Interner<Vec<u32>>,
    /// Peer permutations between a state as reached and as stored (symmetry).
    pub perms: Interner<Vec<u8>>,
    /// Places in a protocol: the definitions of the steps and choices a peer's
    /// control tree has next, sorted (a finished peer's place is empty).
    pub places: Interner<Vec<u32>>,
    /// Each peer's place ([`Graph::places`]), by peer index, per state.
    pub placements: Interner<Vec<u32>>,
}

impl Graph {
    /// An empty graph for `peers` peers; permutation 0 is the identity.
    pub fn new(peers: usize) -> Graph {
        let mut g = Graph {
            peers,
            ..Graph::default()
        };
        g.perms.intern((0..peers as u8).collect());
        g.thread_sets.intern(Vec::new());
        g
    }

    /// The successors of every state: `out[s]` lists (target, label).
    pub fn forward(&self) -> Vec<Vec<(u32, u32)>> {
        let mut out = vec![Vec::new(); self.nodes.len()];
        for e in &self.edges {
            out[e.src as usize].push((e.dst, e.label));
        }
        out
    }

    /// The predecessors of every state: `out[t]` lists (source, label).
    pub fn backward(&self) -> Vec<Vec<(u32, u32)>> {
        let mut out = vec![Vec::new(); self.nodes.len()];
        for e in &self.edges {
            out[e.dst as usize].push((e.src, e.label));
        }
        out
    }

    /// The path of states from the start to `s`, along the BFS tree.
    pub fn path_to(&self, s: u32) -> Vec<u32> {
        let mut path = vec![s];
        let mut cur = s;
        while self.nodes[cur as usize].parent != cur {
            cur = self.nodes[cur as usize].parent;
            path.push(cur);
        }
        path.reverse();
        path
    }

    /// The place of peer `peer` in state `s` (the sorted definitions of its next steps).
    pub fn place(&self, s: u32, peer: usize) -> &[u32] {
        let placement = self.placements.get(self.nodes[s as usize].placement);
        self.places.get(placement[peer])
    }

    /// Approximate bytes per state kept after the search: the record, the
    /// edges and the visited-set entry (`key_bytes`).
    pub fn bytes_per_state(&self, key_bytes: usize) -> f64 {
        if self.nodes.is_empty() {
            return 0.0;
        }
        let node = std::mem::size_of::<NodeInfo>();
        let edges = self.edges.len() * std::mem::size_of::<Edge>();
        // A hash-map entry: key, value (u32) and about one control byte, at
        // the load factor of a table that has just grown (7/8 .. 7/16 full).
        let entry = (key_bytes + 4 + 1) as f64 * 1.6;
        (node as f64) + edges as f64 / self.nodes.len() as f64 + entry
    }
}
