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

use crate::wire::{Detail, GameInfo, GameStats, Refused, Snapshot, StepReply};

/// Where a query's answer goes: the reply, or why the actor declined.
pub type Reply<T> = RpcReplyPort<Result<T, Refused>>;

/// Messages to a [`GameActor`](crate::GameActor). Queries carry their reply port last.
#[derive(Debug)]
pub enum GameMsg {
    /// Advance `generations` and reply with what `detail` asks for (bounded whatever the batch).
    Step {
        /// Generations to advance (0 replies with nothing new).
        generations: u64,
        /// How much the reply carries.
        detail: Detail,
        /// Where the reply goes.
        reply: Reply<StepReply>,
    },
    /// Advance `generations` without replying (one-way).
    Advance {
        /// Generations to advance.
        generations: u64,
    },
    /// The current generation.
    GetState(Reply<Snapshot>),
    /// The kept history, oldest first. Each entry carries the game's outcome as of now (the
    /// detector keeps hashes, not per-generation verdicts).
    GetHistory(Reply<Vec<Snapshot>>),
    /// Rules, size, generation and counters.
    GetInfo(Reply<GameInfo>),
    /// The actor's counters.
    GetStats(Reply<GameStats>),
    /// Make the actor fail, for supervision drills and tests: a panic in the handler when `panic`
    /// is true, an error return otherwise.
    Fault {
        /// Panic (true) or return an error (false).
        panic: bool,
    },
    /// Bytes from a peer that are no message of this version. ractor drops a message that fails
    /// to decode without a word, so decoding never fails: it yields this, and the actor answers
    /// the call (if it was one) with a refusal naming the problem.
    Undecodable {
        /// What was wrong with the bytes.
        reason: String,
        /// The caller's byte reply port, if the message was a call.
        reply: Option<RpcReplyPort<Vec<u8>>>,
    },
}

impl GameMsg {
    /// Answers an undecodable call with a refusal (any reply type decodes it: postcard encodes
    /// `Err(refused)` the same way for every `Result<T, Refused>`).
    pub(crate) fn refuse_undecodable(reason: String, reply: Option<RpcReplyPort<Vec<u8>>>) {
        if let Some(reply) = reply {
            let refused: Result<(), Refused> = Err(Refused::new(format!("undecodable message: {reason}")));
            if let Ok(bytes) = postcard::to_allocvec(&refused) {
                let _ = reply.send(bytes);
            }
        }
    }
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
    GetStats,
}

/// Largest message body accepted from a peer; a body is a few bytes, so anything larger is garbage.
const MAX_BODY_BYTES: usize = 1024;

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, BoxedDowncastErr> {
    postcard::to_allocvec(value).map_err(|_| BoxedDowncastErr)
}

/// Decodes a message body; a body that is too long or malformed is reported, not dropped.
pub fn decode_body(bytes: &[u8]) -> Result<(), String> {
    decode_checked::<Body>(bytes).map(|_| ())
}

fn decode_checked<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(format!(
            "{} bytes; a message body is at most {MAX_BODY_BYTES}",
            bytes.len()
        ));
    }
    postcard::from_bytes(bytes).map_err(|e| e.to_string())
}

/// Decodes a remote call's reply: a reply that does not decode becomes a refusal naming the
/// problem, not a lost call.
pub fn decode_reply<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Refused> {
    postcard::from_bytes::<Result<T, Refused>>(bytes)
        .unwrap_or_else(|e| Err(Refused::new(format!("undecodable reply: {e}"))))
}

/// A byte reply port that decodes into `typed` (the sending side of a remote call). Public so
/// other crates' messages (the cluster's host) bridge their replies the same way.
pub fn bytes_port_for<T: DeserializeOwned + Send + 'static>(typed: Reply<T>) -> RpcReplyPort<Vec<u8>> {
    let (tx, rx) = oneshot::<Vec<u8>>();
    spawn(async move {
        if let Ok(bytes) = rx.await {
            let _ = typed.send(decode_reply(&bytes));
        }
    });
    tx.into()
}

/// A typed reply port that encodes into `bytes` (the receiving side of a remote call).
pub fn typed_port_for<T: Serialize + Send + 'static>(bytes: RpcReplyPort<Vec<u8>>) -> Reply<T> {
    let (tx, rx) = oneshot::<Result<T, Refused>>();
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
            GameMsg::GetStats(reply) => call(Body::GetStats, bytes_port_for(reply)),
            GameMsg::Advance { generations } => cast(Body::Advance { generations }),
            GameMsg::Fault { panic } => cast(Body::Fault { panic }),
            // Nothing to forward: it never came from this process's senders.
            GameMsg::Undecodable { .. } => Err(BoxedDowncastErr),
        }
    }

    /// Never fails: bytes that are no message become [`GameMsg::Undecodable`].
    fn deserialize(message: SerializedMessage) -> Result<GameMsg, BoxedDowncastErr> {
        let undecodable = |reason: String, reply| Ok(GameMsg::Undecodable { reason, reply });
        match message {
            SerializedMessage::Call { args, reply, .. } => match decode_checked::<Body>(&args) {
                Ok(Body::Step { generations, detail }) => Ok(GameMsg::Step {
                    generations,
                    detail,
                    reply: typed_port_for(reply),
                }),
                Ok(Body::GetState) => Ok(GameMsg::GetState(typed_port_for(reply))),
                Ok(Body::GetHistory) => Ok(GameMsg::GetHistory(typed_port_for(reply))),
                Ok(Body::GetInfo) => Ok(GameMsg::GetInfo(typed_port_for(reply))),
                Ok(Body::GetStats) => Ok(GameMsg::GetStats(typed_port_for(reply))),
                Ok(Body::Advance { .. } | Body::Fault { .. }) => {
                    undecodable("a one-way message sent as a call".to_string(), Some(reply))
                }
                Err(reason) => undecodable(reason, Some(reply)),
            },
            SerializedMessage::Cast { args, .. } => match decode_checked::<Body>(&args) {
                Ok(Body::Advance { generations }) => Ok(GameMsg::Advance { generations }),
                Ok(Body::Fault { panic }) => Ok(GameMsg::Fault { panic }),
                Ok(_) => undecodable("a call sent without a reply port".to_string(), None),
                Err(reason) => undecodable(reason, None),
            },
            SerializedMessage::CallReply(..) => undecodable("a stray call reply".to_string(), None),
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
        let (tx, rx) = oneshot::<Result<StepReply, Refused>>();
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
            advanced: 7,
            summaries: vec![Summary {
                generation: 7,
                population: 5,
                outcome: Outcome::Oscillating { period: 2 },
            }],
            boards: vec![],
        };
        reply.send(Ok(answer.clone())).expect("send reply");
        assert_eq!(rx.await.expect("reply arrives"), Ok(answer));
    }

    #[test]
    fn garbage_bytes_decode_as_undecodable() {
        let wire = SerializedMessage::Cast {
            variant: String::new(),
            args: vec![0xff, 0xff, 0xff],
            metadata: None,
        };
        assert!(matches!(
            GameMsg::deserialize(wire),
            Ok(GameMsg::Undecodable { reply: None, .. })
        ));
    }

    #[tokio::test]
    async fn a_garbage_call_is_answered_with_a_refusal() {
        let (tx, rx) = oneshot::<Result<StepReply, Refused>>();
        let bytes_port = bytes_port_for(tx.into());
        let wire = SerializedMessage::Call {
            variant: String::new(),
            args: vec![0; 4096],
            reply: bytes_port,
            metadata: None,
        };
        let Ok(GameMsg::Undecodable { reason, reply }) = GameMsg::deserialize(wire) else {
            panic!("an oversized body is undecodable");
        };
        assert!(reason.contains("at most"), "{reason}");
        GameMsg::refuse_undecodable(reason, reply);
        let answer = rx.await.expect("the caller hears back");
        assert!(matches!(answer, Err(Refused { reason }) if reason.contains("undecodable")));
    }
}
