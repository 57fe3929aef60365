//! An incremental Merkle-Patricia trie for the state root.
//!
//! Recomputing the root from scratch costs O(state) per block (alloy-trie's `HashBuilder`
//! builds it from sorted leaves), which makes a chain slower with every account and slot it
//! holds. This trie keeps its nodes and each node's cached reference (its hash, or its RLP
//! when shorter than 32 bytes), so an update re-hashes only the nodes on the changed paths:
//! O(changes · depth) per block. Keys are 32-byte hashes (64 nibbles), so branches never
//! carry values. Roots are checked against alloy-trie's in the tests.

use alloy_primitives::{B256, keccak256};
use alloy_rlp::{Encodable, Header};
use alloy_trie::EMPTY_ROOT_HASH;

/// How a node is referenced from its parent: inline RLP when shorter than 32 bytes, else
/// the keccak256 of its RLP.
#[derive(Clone, Debug)]
enum Reference {
    Inline(Vec<u8>),
    Hash(B256),
}

#[derive(Clone, Debug, Default)]
enum Node {
    #[default]
    Empty,
    Leaf {
        path: Vec<u8>,
        value: Vec<u8>,
        cache: Option<Reference>,
    },
    Extension {
        path: Vec<u8>,
        child: Box<Node>,
        cache: Option<Reference>,
    },
    Branch {
        children: Box<[Node; 16]>,
        cache: Option<Reference>,
    },
}

/// A trie from 32-byte keys to byte values.
#[derive(Clone, Debug, Default)]
pub struct Trie {
    root: Node,
}

fn nibbles(key: &B256) -> Vec<u8> {
    key.iter().flat_map(|b| [b >> 4, b & 0x0f]).collect()
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

impl Trie {
    /// Sets `key` to `value` (an empty value deletes the key).
    pub fn insert(&mut self, key: &B256, value: Vec<u8>) {
        if value.is_empty() {
            self.remove(key);
        } else {
            self.root.insert(&nibbles(key), value);
        }
    }

    /// Deletes `key`.
    pub fn remove(&mut self, key: &B256) {
        self.root.remove(&nibbles(key));
    }

    /// The root hash.
    pub fn root(&mut self) -> B256 {
        match &self.root {
            Node::Empty => EMPTY_ROOT_HASH,
            _ => match self.root.reference() {
                Reference::Hash(hash) => hash,
                Reference::Inline(rlp) => keccak256(rlp),
            },
        }
    }

    /// Whether the trie has no keys.
    pub fn is_empty(&self) -> bool {
        matches!(self.root, Node::Empty)
    }
}

impl Node {
    fn leaf(path: &[u8], value: Vec<u8>) -> Self {
        Self::Leaf {
            path: path.to_vec(),
            value,
            cache: None,
        }
    }

    /// Wraps `node` in an extension of `path`, or returns it as is for an empty path.
    fn extend(path: &[u8], node: Self) -> Self {
        if path.is_empty() {
            node
        } else {
            Self::Extension {
                path: path.to_vec(),
                child: Box::new(node),
                cache: None,
            }
        }
    }

    fn insert(&mut self, path: &[u8], value: Vec<u8>) {
        match self {
            Self::Empty => *self = Self::leaf(path, value),
            Self::Leaf {
                path: existing,
                value: old,
                cache,
            } => {
                if existing.as_slice() == path {
                    *old = value;
                    *cache = None;
                    return;
                }
                let c = common_prefix(existing, path);
                let mut children: [Self; 16] = Default::default();
                children[existing[c] as usize] =
                    Self::leaf(&existing[c + 1..], std::mem::take(old));
                children[path[c] as usize] = Self::leaf(&path[c + 1..], value);
                let branch = Self::Branch {
                    children: Box::new(children),
                    cache: None,
                };
                *self = Self::extend(&path[..c], branch);
            }
            Self::Extension {
                path: prefix,
                child,
                cache,
            } => {
                let c = common_prefix(prefix, path);
                if c == prefix.len() {
                    *cache = None;
                    child.insert(&path[c..], value);
                    return;
                }
                let mut children: [Self; 16] = Default::default();
                let rest = Self::extend(&prefix[c + 1..], std::mem::take(child.as_mut()));
                children[prefix[c] as usize] = rest;
                children[path[c] as usize] = Self::leaf(&path[c + 1..], value);
                let branch = Self::Branch {
                    children: Box::new(children),
                    cache: None,
                };
                *self = Self::extend(&path[..c], branch);
            }
            Self::Branch { children, cache } => {
                *cache = None;
                children[path[0] as usize].insert(&path[1..], value);
            }
        }
    }

    fn remove(&mut self, path: &[u8]) {
        match self {
            Self::Empty => {}
            Self::Leaf { path: existing, .. } => {
                if existing.as_slice() == path {
                    *self = Self::Empty;
                }
            }
            Self::Extension {
                path: prefix,
                child,
                cache,
            } => {
                if !path.starts_with(prefix) {
                    return;
                }
                *cache = None;
                child.remove(&path[prefix.len()..]);
                let prefix = std::mem::take(prefix);
                *self = Self::join(&prefix, std::mem::take(child.as_mut()));
            }
            Self::Branch { children, cache } => {
                *cache = None;
                let index = path[0] as usize;
                children[index].remove(&path[1..]);
                let mut remaining = children
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| !matches!(c, Self::Empty));
                let Some((only, _)) = remaining.next() else {
                    *self = Self::Empty;
                    return;
                };
                if remaining.next().is_some() {
                    return;
                }
                // One child left: the branch collapses into it.
                let child = std::mem::take(&mut children[only]);
                *self = Self::join(&[only as u8], child);
            }
        }
    }

    /// `node` placed under `prefix`, merging paths so no extension points at a leaf or extension.
    fn join(prefix: &[u8], node: Self) -> Self {
        match node {
            Self::Empty => Self::Empty,
            Self::Leaf { path, value, .. } => Self::Leaf {
                path: [prefix, &path].concat(),
                value,
                cache: None,
            },
            Self::Extension { path, child, .. } => Self::Extension {
                path: [prefix, &path].concat(),
                child,
                cache: None,
            },
            branch @ Self::Branch { .. } => Self::extend(prefix, branch),
        }
    }

    /// This node's reference, computing and caching what changed.
    fn reference(&mut self) -> Reference {
        let cached = match self {
            Self::Empty => return Reference::Inline(vec![0x80]),
            Self::Leaf { cache, .. }
            | Self::Extension { cache, .. }
            | Self::Branch { cache, .. } => cache,
        };
        if let Some(reference) = cached {
            return reference.clone();
        }
        let rlp = self.encode();
        let reference = if rlp.len() < 32 {
            Reference::Inline(rlp)
        } else {
            Reference::Hash(keccak256(&rlp))
        };
        match self {
            Self::Leaf { cache, .. }
            | Self::Extension { cache, .. }
            | Self::Branch { cache, .. } => *cache = Some(reference.clone()),
            Self::Empty => {}
        }
        reference
    }

    /// The RLP encoding of this node.
    fn encode(&mut self) -> Vec<u8> {
        let mut payload = Vec::new();
        match self {
            Self::Empty => return vec![0x80],
            Self::Leaf { path, value, .. } => {
                hex_prefix(path, true).as_slice().encode(&mut payload);
                value.as_slice().encode(&mut payload);
            }
            Self::Extension { path, child, .. } => {
                hex_prefix(path, false).as_slice().encode(&mut payload);
                child.reference().write(&mut payload);
            }
            Self::Branch { children, .. } => {
                for child in children.iter_mut() {
                    match child {
                        Self::Empty => payload.push(0x80),
                        child => child.reference().write(&mut payload),
                    }
                }
                payload.push(0x80);
            }
        }
        let mut out = Vec::with_capacity(payload.len() + 3);
        Header {
            list: true,
            payload_length: payload.len(),
        }
        .encode(&mut out);
        out.extend_from_slice(&payload);
        out
    }
}

impl Reference {
    /// Writes the reference as a child item of a node's RLP list.
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Self::Inline(rlp) => out.extend_from_slice(rlp),
            Self::Hash(hash) => hash.as_slice().encode(out),
        }
    }
}

/// Hex-prefix encoding of a nibble path (Ethereum yellow paper, appendix C).
fn hex_prefix(path: &[u8], leaf: bool) -> Vec<u8> {
    let flag = if leaf { 2 } else { 0 };
    let mut out = Vec::with_capacity(path.len() / 2 + 1);
    let rest = if path.len() % 2 == 1 {
        out.push(((flag + 1) << 4) | path[0]);
        &path[1..]
    } else {
        out.push(flag << 4);
        path
    };
    out.extend(rest.chunks(2).map(|pair| (pair[0] << 4) | pair[1]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::U256;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn reference_root(map: &BTreeMap<B256, U256>) -> B256 {
        alloy_trie::root::storage_root_unsorted(map.iter().map(|(k, v)| (*k, *v)))
    }

    fn rlp_value(v: U256) -> Vec<u8> {
        alloy_rlp::encode(v)
    }

    #[test]
    fn empty_trie_has_the_empty_root() {
        assert_eq!(Trie::default().root(), EMPTY_ROOT_HASH);
    }

    #[test]
    fn one_key() {
        let mut trie = Trie::default();
        let key = keccak256([1u8]);
        trie.insert(&key, rlp_value(U256::from(5)));
        assert_eq!(
            trie.root(),
            reference_root(&BTreeMap::from([(key, U256::from(5))]))
        );
        trie.remove(&key);
        assert_eq!(trie.root(), EMPTY_ROOT_HASH);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

        /// Any sequence of inserts, updates and deletes (with shared prefixes forced by small
        /// key spaces) gives alloy-trie's root at every step.
        #[test]
        fn matches_alloy_trie(ops in prop::collection::vec((0u16..64, 0u64..4, any::<bool>()), 1..120), spread in any::<bool>()) {
            let mut trie = Trie::default();
            let mut map = BTreeMap::new();
            for (i, (k, v, check)) in ops.into_iter().enumerate() {
                // Keys either random-looking (hashed) or sharing long prefixes (raw).
                let key = if spread { keccak256(k.to_be_bytes()) } else { B256::from(U256::from(k) << 200) };
                let value = U256::from(v);
                if value.is_zero() {
                    map.remove(&key);
                    trie.remove(&key);
                } else {
                    map.insert(key, value);
                    trie.insert(&key, rlp_value(value));
                }
                if check || i % 17 == 0 {
                    prop_assert_eq!(trie.root(), reference_root(&map));
                }
            }
            prop_assert_eq!(trie.root(), reference_root(&map));
        }
    }
}
