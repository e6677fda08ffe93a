//! An in-memory [`Transport`]: nodes in one process exchange envelopes through a
//! shared [`Hub`]. It is what tests and embedders use to run peers as separate
//! [`Node`](crate::node::Node)s without a server; the envelopes still go
//! through the wire format, so a run exercises everything but the network.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, mpsc};

use crate::atom::Atom;
use crate::transport::{Directory, Inbound, Transport, TransportError};
use crate::wire::Envelope;

#[derive(Default)]
struct Shared {
    /// Open nodes' channels.
    nodes: HashMap<Atom, mpsc::Sender<Inbound>>,
    /// Envelopes for nodes that have not opened yet, oldest first.
    waiting: HashMap<Atom, Vec<Envelope>>,
    directory: Directory,
}

/// The meeting point of in-memory transports (cheap to clone).
#[derive(Clone, Default)]
pub struct Hub {
    shared: Arc<Mutex<Shared>>,
}

impl Hub {
    /// An empty hub.
    pub fn new() -> Hub {
        Hub::default()
    }

    /// A transport for one node.
    pub fn transport(&self) -> LocalTransport {
        LocalTransport { hub: self.clone() }
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn publish_directory(shared: &mut Shared) {
        let directory = shared.directory.clone();
        shared
            .nodes
            .retain(|_, tx| tx.send(Inbound::Directory(directory.clone())).is_ok());
    }
}

/// One node's end of a [`Hub`].
pub struct LocalTransport {
    hub: Hub,
}

impl Transport for LocalTransport {
    fn open(&mut self, me: Atom, inbound: mpsc::Sender<Inbound>) -> Result<(), TransportError> {
        let mut shared = self.hub.lock();
        for envelope in shared.waiting.remove(&me).unwrap_or_default() {
            let _ = inbound.send(Inbound::Message(envelope));
        }
        shared.nodes.insert(me, inbound);
        Ok(())
    }

    fn deliver(&mut self, envelope: &Envelope) -> Result<(), TransportError> {
        let mut shared = self.hub.lock();
        let to = envelope.recipient();
        let sent = match shared.nodes.get(&to) {
            Some(tx) => tx.send(Inbound::Message(envelope.clone())).is_ok(),
            None => false,
        };
        if !sent {
            shared.nodes.remove(&to);
            shared.waiting.entry(to).or_default().push(envelope.clone());
        }
        Ok(())
    }

    fn announce(&mut self, me: Atom, roles: &[Atom]) -> Result<(), TransportError> {
        let mut shared = self.hub.lock();
        shared.directory.insert(me, roles.to_vec());
        Hub::publish_directory(&mut shared);
        Ok(())
    }

    fn withdraw(&mut self, me: Atom) -> Result<(), TransportError> {
        let mut shared = self.hub.lock();
        shared.directory.remove(&me);
        shared.nodes.remove(&me);
        Hub::publish_directory(&mut shared);
        Ok(())
    }

    fn directory(&self) -> Directory {
        self.hub.lock().directory.clone()
    }
}
