//! A Life-like rule on a topology: what the tutorial's `ConwaysRules` is, for any rule.

use pyo3::basic::CompareOp;
use pyo3::prelude::*;
use pyo3::IntoPyObjectExt;

use colony_life::{Board, KernelKind, Rule, State, Topology};

use crate::state::PyState;
use crate::value_error;

/// A rule (`B3/S23`, `B36/S23`, Golly's `23/3`...) and a topology (`torus` or `bounded`).
#[pyclass(frozen, name = "Rules", module = "colony._colony")]
#[derive(Clone, Copy)]
pub(crate) struct PyRules {
    pub(crate) rule: Rule,
    pub(crate) topology: Topology,
}

#[pymethods]
impl PyRules {
    /// Parses `rule` and `topology`; a bad one is a `ValueError` naming it.
    #[new]
    #[pyo3(signature = (rule = "B3/S23", topology = "torus"))]
    fn new(rule: &str, topology: &str) -> PyResult<PyRules> {
        Ok(PyRules {
            rule: rule.parse().map_err(value_error)?,
            topology: topology.parse().map_err(value_error)?,
        })
    }

    /// The rule in canonical form, e.g. `B3/S23`.
    #[getter]
    fn rule(&self) -> String {
        self.rule.to_string()
    }

    /// `torus` or `bounded`.
    #[getter]
    fn topology(&self) -> String {
        self.topology.to_string()
    }

    /// The next generation of `state` (one step of the engine's default kernel, without the GIL).
    fn step(&self, py: Python<'_>, state: &PyState) -> PyResult<PyState> {
        let current = state.0.clone();
        let (rule, topology) = (self.rule, self.topology);
        let next = py.detach(move || -> colony_life::Result<State> {
            let board = current.board();
            let mut next = Board::new(board.width(), board.height())?;
            KernelKind::default().build().step(board, &mut next, rule, topology);
            Ok(State::new(next, current.generation().saturating_add(1)))
        });
        next.map(PyState).map_err(value_error)
    }

    fn __repr__(&self) -> String {
        format!("Rules(rule={:?}, topology={:?})", self.rule(), self.topology())
    }

    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> PyResult<Py<PyAny>> {
        let py = other.py();
        let Ok(other) = other.cast::<PyRules>() else {
            return Ok(py.NotImplemented());
        };
        let other = other.get();
        let same = self.rule == other.rule && self.topology == other.topology;
        match op {
            CompareOp::Eq => same.into_py_any(py),
            CompareOp::Ne => (!same).into_py_any(py),
            _ => Ok(py.NotImplemented()),
        }
    }

    fn __hash__(&self) -> u64 {
        u64::from(self.rule.birth_mask()) << 16
            | u64::from(self.rule.survival_mask()) << 1
            | u64::from(self.topology == Topology::Bounded)
    }

    /// Pickles as `Rules(rule, topology)`.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String, String))> {
        Ok((py.get_type::<PyRules>().into_any(), (self.rule(), self.topology())))
    }
}
