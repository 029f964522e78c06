//! One module per subcommand.

pub mod bench;
pub mod checkpoints;
pub mod durable;
pub mod node;
pub mod play;
pub mod render;
pub mod resume;
pub mod serve;
pub mod trial;
