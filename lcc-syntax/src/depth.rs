//! Bounds on nesting, so that no input can overflow the stack.
//!
//! The AST is a tree and every pass over it (lowering, checks, formatting, and the
//! interpreter's lowering downstream) recurses on it. Two measures keep that safe:
//! the parse driver refuses, with diagnostic E0113, a clause nested more deeply
//! than [`MAX_NESTING`] brackets or holding more than [`MAX_OPERATORS`] operators;
//! and the public entry points of this crate run on a stack grown on demand, so
//! the depths allowed are safe even on small thread stacks in debug builds.

/// The deepest bracket nesting accepted in one item.
pub const MAX_NESTING: usize = 256;

/// The most operators (`then`, `or`, `par`, `and`, `not`, arithmetic, ...) accepted
/// in one item; chains of them nest in the AST.
pub const MAX_OPERATORS: usize = 4096;

/// Runs `f` with at least 64 MiB of stack, growing the stack first if less is left.
pub(crate) fn with_deep_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(64 << 20, 256 << 20, f)
}
