//! Compact state encoding, fingerprints and symmetry canonicalisation.
//!
//! A checker state (an lcc-eval [`State`] plus which peers sleep after a failed
//! attempt, see [`crate::explore`]) is encoded as bytes: every peer's Id, control
//! tree, clause-instance variables, inbox and pending calls, in peer order. lcc-eval
//! states are canonical (bindings applied, variables renumbered), so equal states
//! encode equally. Each peer record is encoded once ([`Encoder`] keeps the
//! encodings of the records it has seen: a successor shares all but one or two
//! records with its source). The encoding is hashed to a 128-bit fingerprint; the visited set
//! stores only fingerprints (hash compaction) unless compaction is switched off.
//!
//! **Symmetry**: peers in one [`Symmetry`] group (same initial role, Ids not
//! written in the model) are interchangeable. A state is encoded under the
//! permutation that sorts each group's members by their encoding with every
//! group Id blanked out (ties broken by the classes of the peers their Ids
//! refer to, then by order); group Ids are renamed to match
//! (each peer's bytes have a placeholder where a group Id occurs, followed by the
//! renamed Ids in order, so inboxes and Ids inside terms are renamed too).
//! States that differ only by such a permutation then (mostly) encode equally;
//! two states with equal encodings are always permutations of each other, so the
//! reduction is sound even where it misses an identification.

use std::sync::Arc;

use lcc_eval::state::{Instance, Proc};
use lcc_eval::{Atom, Peer, State, Term};
use rustc_hash::FxHashMap;

/// Interchangeable peers: groups of peer indices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Symmetry {
    /// Each group's peer indices, ascending; only groups of two or more.
    pub groups: Vec<Vec<usize>>,
}

impl Symmetry {
    /// Whether any peers are interchangeable.
    pub fn is_trivial(&self) -> bool {
        self.groups.is_empty()
    }
}

/// A state's encoding under the canonical permutation.
pub struct Encoded {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// `position[i]`: where peer `i` of the state is in the encoding.
    pub position: Vec<u8>,
    /// The deepest term nesting seen.
    pub depth: usize,
}

/// A 128-bit fingerprint of an encoding: two independent multiply-rotate lanes
/// over 8-byte words, each finished with MurmurHash3's 64-bit mixer.
pub fn fingerprint(bytes: &[u8]) -> u128 {
    let mut a: u64 = 0x243f_6a88_85a3_08d3 ^ bytes.len() as u64;
    let mut b: u64 = 0x1319_8a2e_0370_7344 ^ (bytes.len() as u64).rotate_left(32);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        a = (a ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(31);
        b = (b ^ w.rotate_left(23))
            .wrapping_mul(0xc2b2_ae3d_27d4_eb4f)
            .rotate_left(29);
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    let w = u64::from_le_bytes(last);
    a = (a ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    b = (b ^ w.rotate_left(23)).wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
    (u128::from(mix(a)) << 64) | u128::from(mix(b ^ a.rotate_left(17)))
}

/// MurmurHash3's 64-bit finaliser.
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Encodes `state` with the sleep flags `asleep`, canonically under `symmetry`
/// (a one-off [`Encoder`]; a search keeps one per worker).
pub fn encode(state: &State, asleep: &[u8], symmetry: &Symmetry) -> Encoded {
    Encoder::new(state, symmetry).encode(state, asleep)
}

/// One peer's encoding, the same under every permutation: the Ids of
/// interchangeable peers are written as a placeholder, and listed in `refs` in
/// the order they occur.
struct PeerCode {
    bytes: Vec<u8>,
    refs: Vec<Atom>,
    depth: usize,
}

/// The most peer encodings an [`Encoder`] keeps before it starts afresh.
const MAX_CODES: usize = 1 << 19;

/// Encodes states canonically under a symmetry, keeping each peer record's
/// encoding (states share most peer records with the state they came from).
pub struct Encoder {
    /// The Ids of the interchangeable peers.
    members: Vec<Atom>,
    /// The same with each one's peer index.
    member_peers: Vec<(Atom, usize)>,
    /// The symmetry groups.
    symmetry: Symmetry,
    /// Peer encodings by record address (the record is kept, so the address is not reused).
    codes: FxHashMap<usize, (Arc<Peer>, Arc<PeerCode>)>,
}

impl Encoder {
    /// An encoder for states with the peers of `state` (their Ids) under `symmetry`.
    pub fn new(state: &State, symmetry: &Symmetry) -> Encoder {
        Encoder {
            members: symmetry.groups.iter().flatten().map(|&i| state.peer(i).id()).collect(),
            member_peers: symmetry
                .groups
                .iter()
                .flatten()
                .map(|&i| (state.peer(i).id(), i))
                .collect(),
            symmetry: symmetry.clone(),
            codes: FxHashMap::default(),
        }
    }

    fn code(&mut self, state: &State, i: usize) -> Arc<PeerCode> {
        let peer = state.shared_peer(i);
        let key = Arc::as_ptr(peer) as usize;
        if let Some((_, code)) = self.codes.get(&key) {
            return code.clone();
        }
        let mut w = Writer::new(&self.members);
        w.peer(peer);
        let code = Arc::new(PeerCode {
            bytes: w.out,
            refs: w.refs,
            depth: w.deepest,
        });
        if self.codes.len() >= MAX_CODES {
            self.codes.clear();
        }
        self.codes.insert(key, (peer.clone(), code.clone()));
        code
    }

    /// Encodes `state` (whose peers have the Ids this encoder was made for) with
    /// the sleep flags `asleep`. Each group's members are ordered by their
    /// Id-blind encoding and sleep flag (ties broken by the classes of the peers
    /// their Ids refer to, then by order), and the Ids of
    /// members are renamed to the Ids of the places they take.
    pub fn encode(&mut self, state: &State, asleep: &[u8]) -> Encoded {
        let n = state.len();
        let codes: Vec<Arc<PeerCode>> = (0..n).map(|i| self.code(state, i)).collect();
        let key = |i: usize| (&codes[i].bytes, asleep[i]);
        let mut sorted: Vec<Vec<usize>> = self
            .symmetry
            .groups
            .iter()
            .map(|group| {
                let mut members = group.clone();
                members.sort_by(|&a, &b| (key(a), a).cmp(&(key(b), b)));
                members
            })
            .collect();
        if sorted.iter().any(|m| m.windows(2).any(|w| key(w[0]) == key(w[1]))) {
            self.refine(&codes, &mut sorted, key);
        }
        let mut order: Vec<usize> = (0..n).collect();
        let mut rename: Vec<(Atom, Atom)> = Vec::new();
        for (group, members) in self.symmetry.groups.iter().zip(&sorted) {
            for (slot, member) in group.iter().zip(members) {
                order[*slot] = *member;
                rename.push((state.peer(*member).id(), state.peer(*slot).id()));
            }
        }
        let mut bytes = Vec::with_capacity(codes.iter().map(|c| c.bytes.len() + 2 * c.refs.len() + 1).sum());
        let mut position = vec![0u8; n];
        for (pos, &i) in order.iter().enumerate() {
            position[i] = pos as u8;
            bytes.push(asleep[i]);
            bytes.extend_from_slice(&codes[i].bytes);
            for r in &codes[i].refs {
                let to = rename.iter().find(|(from, _)| from == r).map_or(*r, |(_, to)| *to);
                leb128(&mut bytes, to.index());
            }
        }
        Encoded {
            bytes,
            position,
            depth: codes.iter().map(|c| c.depth).max().unwrap_or(0),
        }
    }
}

impl Encoder {
    /// Orders members with equal encodings and sleep flags (`key`) further by
    /// the classes of the peers their Ids refer to, a class being a group's
    /// members with one key (one round of colour refinement): e.g. of two
    /// otherwise equal peers, the one holding a message from a peer of a
    /// smaller class comes first, whichever Ids they have. Remaining ties keep
    /// their order.
    fn refine<'c>(
        &self,
        codes: &'c [Arc<PeerCode>],
        sorted: &mut [Vec<usize>],
        key: impl Fn(usize) -> (&'c Vec<u8>, u8),
    ) {
        let mut class = vec![u32::MAX; codes.len()];
        let mut next = 0u32;
        for members in sorted.iter() {
            for (j, &i) in members.iter().enumerate() {
                if j > 0 && key(members[j - 1]) != key(i) {
                    next += 1;
                }
                class[i] = next;
            }
            next += 1;
        }
        let peer_of = |id: &Atom| {
            self.member_peers
                .iter()
                .find(|(a, _)| a == id)
                .map_or(usize::MAX, |(_, i)| *i)
        };
        let refs = |i: usize| -> Vec<u32> {
            codes[i]
                .refs
                .iter()
                .map(|r| class.get(peer_of(r)).copied().unwrap_or(u32::MAX))
                .collect()
        };
        for members in sorted.iter_mut() {
            let mut keyed: Vec<(_, Vec<u32>, usize)> = members.iter().map(|&i| (key(i), refs(i), i)).collect();
            keyed.sort();
            for (slot, (_, _, i)) in members.iter_mut().zip(keyed) {
                *slot = i;
            }
        }
    }
}

/// Writes `v` as LEB128 (small numbers take one byte).
fn leb128(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Writes one peer record as bytes, writing the Ids of interchangeable peers
/// as a placeholder and listing them in `refs`.
struct Writer<'m> {
    out: Vec<u8>,
    members: &'m [Atom],
    refs: Vec<Atom>,
    placeholder: u32,
    envs: Vec<*const Instance>,
    deepest: usize,
}

impl<'m> Writer<'m> {
    fn new(members: &'m [Atom]) -> Writer<'m> {
        Writer {
            out: Vec::with_capacity(256),
            members,
            refs: Vec::new(),
            placeholder: Atom::new("$peer").index(),
            envs: Vec::new(),
            deepest: 0,
        }
    }

    fn u32(&mut self, v: u32) {
        leb128(&mut self.out, v);
    }

    fn atom(&mut self, a: Atom) {
        if self.members.contains(&a) {
            self.refs.push(a);
            self.u32(self.placeholder);
        } else {
            self.u32(a.index());
        }
    }

    fn peer(&mut self, p: &Peer) {
        self.envs.clear();
        self.atom(p.id());
        self.u32(p.var_count());
        self.proc(p.proc());
        self.u32(p.inbox().count() as u32);
        for m in p.inbox() {
            self.atom(m.from.role);
            self.atom(m.from.id);
            self.atom(m.to.role);
            self.atom(m.to.id);
            self.term(&m.term, 0);
        }
        self.u32(p.pending().len() as u32);
        for c in p.pending() {
            self.atom(c.name);
            for a in &c.args {
                self.term(a, 0);
            }
            self.out.push(u8::from(c.answer.is_some()));
        }
    }

    fn env(&mut self, env: &Arc<Instance>) {
        let key = Arc::as_ptr(env);
        if let Some(k) = self.envs.iter().position(|e| *e == key) {
            self.out.push(1);
            self.u32(k as u32);
            return;
        }
        self.envs.push(key);
        self.out.push(0);
        self.u32(env.clause.0);
        for t in env.vars.iter() {
            self.term(t, 0);
        }
    }

    fn proc(&mut self, p: &Proc) {
        match p {
            Proc::Done => self.out.push(0),
            Proc::Step { def, env } => {
                self.out.push(1);
                self.u32(def.0);
                self.env(env);
            }
            Proc::Or { def, env } => {
                self.out.push(2);
                self.u32(def.0);
                self.env(env);
            }
            Proc::Seq { first, rest, env } => {
                self.out.push(3);
                self.proc(first);
                self.u32(rest.0);
                self.env(env);
            }
            Proc::Par(a, b) => {
                self.out.push(4);
                self.proc(a);
                self.proc(b);
            }
            Proc::Frame { env, body } => {
                self.out.push(5);
                self.env(env);
                self.proc(body);
            }
        }
    }

    fn term(&mut self, t: &Term, depth: usize) {
        self.deepest = self.deepest.max(depth + 1);
        match t {
            Term::Var(v) => {
                self.out.push(0);
                self.u32(v.0);
            }
            Term::Atom(a) => {
                self.out.push(1);
                self.atom(*a);
            }
            Term::Int(i) => {
                self.out.push(2);
                self.out.extend_from_slice(&i.to_le_bytes());
            }
            Term::Float(f) => {
                self.out.push(3);
                self.out.extend_from_slice(&f.0.to_bits().to_le_bytes());
            }
            Term::Str(s) => {
                self.out.push(4);
                self.u32(s.len() as u32);
                self.out.extend_from_slice(s.as_bytes());
            }
            Term::Compound(f, args) => {
                self.out.push(5);
                self.atom(*f);
                self.u32(args.len() as u32);
                for a in args.iter() {
                    self.term(a, depth + 1);
                }
            }
        }
    }
}
