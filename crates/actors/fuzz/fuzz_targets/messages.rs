//! Arbitrary bytes as a peer would send them: as a one-way message's body, and as the replies a
//! caller decodes. Decoding must never panic and never fail at ractor's layer (ractor drops such
//! messages without a word): what is not a message becomes `GameMsg::Undecodable`. A reply that
//! decodes holds consistent boards.
#![no_main]

use colony_actors::{GameMsg, Refused, Snapshot, StepReply};
use libfuzzer_sys::fuzz_target;
use ractor::message::SerializedMessage;
use ractor::Message;

fuzz_target!(|data: &[u8]| {
    let cast = SerializedMessage::Cast {
        variant: String::new(),
        args: data.to_vec(),
        metadata: None,
    };
    assert!(GameMsg::deserialize(cast).is_ok(), "decoding never fails at ractor's layer");

    if let Ok(Ok(reply)) = postcard::from_bytes::<Result<StepReply, Refused>>(data) {
        for board in &reply.boards {
            assert!(board.population() <= board.cell_count());
        }
    }
    if let Ok(Ok(snapshot)) = postcard::from_bytes::<Result<Snapshot, Refused>>(data) {
        assert!(snapshot.board.population() <= snapshot.board.cell_count());
    }
});
