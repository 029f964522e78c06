//! `GameMsg`: what a game actor understands, and how it crosses a wire.
//!
//! Every payload is plain serde data. With ractor's `cluster` feature each message type chooses
//! whether it can be serialized; `GameMsg` can: a call's typed reply port is bridged to the byte
//! reply port that `ractor_cluster` carries between nodes, the way its derive macro does.

use ractor::concurrency::{oneshot, spawn};
use ractor::message::{BoxedDowncastErr, SerializedMessage};
use ractor::RpcReplyPort;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::wire::{Detail, GameInfo, Snapshot, StepReply};

/// Messages to a [`GameActor`](crate::GameActor). Queries carry their reply port last.
#[derive(Debug)]
pub enum GameMsg {
    /// Advance `generations` and reply with the new states or their summaries.
    Step {
        /// Generations to advance (0 replies with nothing new).
        generations: u64,
        /// How much the reply carries.
        detail: Detail,
        /// Where the reply goes.
        reply: RpcReplyPort<StepReply>,
    },
    /// Advance `generations` without replying (one-way).
    Advance {
        /// Generations to advance.
        generations: u64,
    },
    /// The current generation.
    GetState(RpcReplyPort<Snapshot>),
    /// The kept history, oldest first. Each entry carries the game's outcome as of now (the
    /// detector keeps hashes, not per-generation verdicts).
    GetHistory(RpcReplyPort<Vec<Snapshot>>),
    /// Rules, size, generation and counters.
    GetInfo(RpcReplyPort<GameInfo>),
    /// Make the actor fail, for supervision drills and tests: a panic in the handler when `panic`
    /// is true, an error return otherwise.
    Fault {
        /// Panic (true) or return an error (false).
        panic: bool,
    },
}

/// The serializable body of a [`GameMsg`] (everything but the reply port).
#[derive(Debug, Serialize, Deserialize)]
enum Body {
    Step { generations: u64, detail: Detail },
    Advance { generations: u64 },
    GetState,
    GetHistory,
    GetInfo,
    Fault { panic: bool },
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, BoxedDowncastErr> {
    postcard::to_allocvec(value).map_err(|_| BoxedDowncastErr)
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BoxedDowncastErr> {
    postcard::from_bytes(bytes).map_err(|_| BoxedDowncastErr)
}

/// A byte reply port that decodes into `typed` (sending side of a remote call).
fn bytes_port_for<T: DeserializeOwned + Send + 'static>(typed: RpcReplyPort<T>) -> RpcReplyPort<Vec<u8>> {
    let (tx, rx) = oneshot::<Vec<u8>>();
    spawn(async move {
        // A reply that does not decode is dropped: the caller sees its call fail, not a panic.
        if let Ok(bytes) = rx.await {
            if let Ok(value) = decode::<T>(&bytes) {
                let _ = typed.send(value);
            }
        }
    });
    tx.into()
}

/// A typed reply port that encodes into `bytes` (receiving side of a remote call).
fn typed_port_for<T: Serialize + Send + 'static>(bytes: RpcReplyPort<Vec<u8>>) -> RpcReplyPort<T> {
    let (tx, rx) = oneshot::<T>();
    spawn(async move {
        if let Ok(value) = rx.await {
            if let Ok(encoded) = encode(&value) {
                let _ = bytes.send(encoded);
            }
        }
    });
    tx.into()
}

impl ractor::Message for GameMsg {
    fn serializable() -> bool {
        true
    }

    fn serialize(self) -> Result<SerializedMessage, BoxedDowncastErr> {
        let call = |body: Body, reply: RpcReplyPort<Vec<u8>>| -> Result<SerializedMessage, BoxedDowncastErr> {
            Ok(SerializedMessage::Call {
                variant: String::new(),
                args: encode(&body)?,
                reply,
                metadata: None,
            })
        };
        let cast = |body: Body| -> Result<SerializedMessage, BoxedDowncastErr> {
            Ok(SerializedMessage::Cast {
                variant: String::new(),
                args: encode(&body)?,
                metadata: None,
            })
        };
        match self {
            GameMsg::Step {
                generations,
                detail,
                reply,
            } => call(Body::Step { generations, detail }, bytes_port_for(reply)),
            GameMsg::GetState(reply) => call(Body::GetState, bytes_port_for(reply)),
            GameMsg::GetHistory(reply) => call(Body::GetHistory, bytes_port_for(reply)),
            GameMsg::GetInfo(reply) => call(Body::GetInfo, bytes_port_for(reply)),
            GameMsg::Advance { generations } => cast(Body::Advance { generations }),
            GameMsg::Fault { panic } => cast(Body::Fault { panic }),
        }
    }

    fn deserialize(message: SerializedMessage) -> Result<GameMsg, BoxedDowncastErr> {
        match message {
            SerializedMessage::Call { args, reply, .. } => match decode::<Body>(&args)? {
                Body::Step { generations, detail } => Ok(GameMsg::Step {
                    generations,
                    detail,
                    reply: typed_port_for(reply),
                }),
                Body::GetState => Ok(GameMsg::GetState(typed_port_for(reply))),
                Body::GetHistory => Ok(GameMsg::GetHistory(typed_port_for(reply))),
                Body::GetInfo => Ok(GameMsg::GetInfo(typed_port_for(reply))),
                Body::Advance { .. } | Body::Fault { .. } => Err(BoxedDowncastErr),
            },
            SerializedMessage::Cast { args, .. } => match decode::<Body>(&args)? {
                Body::Advance { generations } => Ok(GameMsg::Advance { generations }),
                Body::Fault { panic } => Ok(GameMsg::Fault { panic }),
                _ => Err(BoxedDowncastErr),
            },
            SerializedMessage::CallReply(..) => Err(BoxedDowncastErr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{GameId, Summary};
    use colony_life::Outcome;
    use ractor::Message;

    #[tokio::test]
    async fn a_call_survives_the_wire_with_its_reply() {
        let (tx, rx) = oneshot::<StepReply>();
        let msg = GameMsg::Step {
            generations: 7,
            detail: Detail::Summaries,
            reply: tx.into(),
        };
        let wire = msg.serialize().expect("serializable");
        let back = GameMsg::deserialize(wire).expect("deserializable");
        let GameMsg::Step {
            generations,
            detail,
            reply,
        } = back
        else {
            panic!("wrong variant");
        };
        assert_eq!((generations, detail), (7, Detail::Summaries));
        let answer = StepReply {
            game: GameId(3),
            summaries: vec![Summary {
                generation: 7,
                population: 5,
                outcome: Outcome::Oscillating { period: 2 },
            }],
            boards: vec![],
        };
        reply.send(answer.clone()).expect("send reply");
        assert_eq!(rx.await.expect("reply arrives"), answer);
    }

    #[test]
    fn garbage_bytes_are_an_error_not_a_panic() {
        let wire = SerializedMessage::Cast {
            variant: String::new(),
            args: vec![0xff, 0xff, 0xff],
            metadata: None,
        };
        assert!(GameMsg::deserialize(wire).is_err());
    }
}
