//! Step kernels: the algorithms that compute a board's next generation, behind one seam.
//!
//! The [`Reference`] kernel *defines* the semantics; every other kernel must produce exactly the
//! same boards for every size, topology and rule (a property test holds them to it).

mod bitwise;
mod reference;

use std::fmt;
use std::str::FromStr;

pub use bitwise::{Bitwise, Simd};
pub use reference::Reference;

use crate::{Board, LifeError, Rule, Topology};

/// An algorithm that computes one generation. Kernels may keep scratch space between calls,
/// hence `&mut self`.
pub trait Kernel: Send {
    /// The kernel's name, as accepted by [`KernelKind::from_str`].
    fn name(&self) -> &'static str;

    /// Writes the generation after `src` into `dst`, which is resized to `src`'s size if needed.
    fn step(&mut self, src: &Board, dst: &mut Board, rule: Rule, topology: Topology);

    /// [`Kernel::step`], returning the new board's [`Board::cycle_key`] too (a kernel may hash
    /// the rows as it writes them).
    fn step_keyed(&mut self, src: &Board, dst: &mut Board, rule: Rule, topology: Topology) -> u64 {
        self.step(src, dst, rule, topology);
        dst.cycle_key()
    }
}

/// The kernels Colony ships, selectable by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KernelKind {
    /// Per-cell loop; the definition of the semantics. Slow.
    Reference,
    /// 64 cells per word with bit-sliced adders, AVX2 when the CPU has it.
    #[default]
    Bitwise,
}

impl KernelKind {
    /// A fresh kernel of this kind, on the calling thread.
    pub fn build(self) -> Box<dyn Kernel> {
        match self {
            KernelKind::Reference => Box::new(Reference),
            KernelKind::Bitwise => Box::new(Bitwise::new(Simd::Auto)),
        }
    }

    /// A fresh kernel of this kind that steps each board on `threads` threads where it can
    /// (the bitwise kernel; the reference kernel, which defines the semantics, stays serial).
    pub fn build_threaded(self, threads: usize) -> Result<Box<dyn Kernel>, LifeError> {
        Ok(match self {
            KernelKind::Reference => Box::new(Reference),
            KernelKind::Bitwise => Box::new(Bitwise::new(Simd::Auto).with_threads(threads)?),
        })
    }
}

impl fmt::Display for KernelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KernelKind::Reference => "reference",
            KernelKind::Bitwise => "bitwise",
        })
    }
}

impl FromStr for KernelKind {
    type Err = LifeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "reference" => Ok(KernelKind::Reference),
            "bitwise" => Ok(KernelKind::Bitwise),
            _ => Err(LifeError::UnknownKernel(s.to_string())),
        }
    }
}

/// Makes `dst` the same size as `src` (kernels overwrite every word of it).
fn fit(src: &Board, dst: &mut Board) {
    if dst.width() != src.width() || dst.height() != src.height() {
        *dst = src.clone();
    }
}
