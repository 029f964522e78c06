//! One module per subcommand.

/// Writes a line to stdout and returns the error, where `println!` would panic when the reader
/// has gone (`colony checkpoints x.db | head -1`): `main` ends quietly with success on a broken
/// pipe, as `play` and `render` always have. Use `say!(...)?` for every line a command prints.
macro_rules! say {
    () => {{
        use ::std::io::Write as _;
        ::std::writeln!(::std::io::stdout().lock())
    }};
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        ::std::writeln!(::std::io::stdout().lock(), $($arg)*)
    }};
}

pub mod bench;
pub mod checkpoints;
pub mod durable;
pub mod node;
pub mod nodes;
pub mod play;
pub mod render;
pub mod resume;
pub mod serve;
pub mod trial;
