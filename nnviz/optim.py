"""Optimisers: one registry, each entry its update rule, formula, label and defaults.

NumPy only. The rules and defaults are those of ``torch.optim`` (its documented
pseudo-code, no weight decay: regularisation is a term of the loss, see
``Network.backward``). With g = ∂L/∂θ, η the learning rate, t the step count
(1 at the first step):

    sgd        θ ← θ − η·g                                    (Network.compute_update)
    momentum   v ← μ·v + g;  θ ← θ − η·v                      torch's dampening = 0 form
    nesterov   v ← μ·v + g;  θ ← θ − η·(g + μ·v)
    rmsprop    s ← α·s + (1−α)·g²;  θ ← θ − η·g / (√s + ε)
    adam       m ← β₁·m + (1−β₁)·g;  v ← β₂·v + (1−β₂)·g²;
               m̂ = m/(1−β₁ᵗ);  v̂ = v/(1−β₂ᵗ);  θ ← θ − η·m̂ / (√v̂ + ε)

Every buffer starts at 0 (torch starts the momentum buffer at g, which is the
same thing: μ·0 + g). The state holds flat vectors in the order of
``Network.parameter_vector``. Parameters an update may not change — frozen
biases and dead weights (``Network.dead``) — keep their value and their state.

``Network.History(momentum=μ)`` keeps its older form v ← μ·v − η·g; Δθ = v, which is
this module's momentum with v_History = −η·v_torch, equal while η is constant.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from nnviz.engine import Gradients, Network, Update, fmt_number
from nnviz.i18n import N_, _

# An update rule: (g, slots before, t, hyper) -> (Δθ, slots after); g and every
# slot are flat arrays (n_params,), t the step count including this step.
Rule = Callable[[np.ndarray, Mapping[str, np.ndarray], int, Mapping[str, float]], tuple]


def _sgd(g, s, t, h):
    return -h["learning_rate"] * g, {}


def _momentum(g, s, t, h):
    v = h["momentum"] * s["velocity"] + g
    return -h["learning_rate"] * v, {"velocity": v}


def _nesterov(g, s, t, h):
    v = h["momentum"] * s["velocity"] + g
    return -h["learning_rate"] * (g + h["momentum"] * v), {"velocity": v}


def _rmsprop(g, s, t, h):
    sq = h["alpha"] * s["square_avg"] + (1 - h["alpha"]) * g * g
    return -h["learning_rate"] * g / (np.sqrt(sq) + h["eps"]), {"square_avg": sq}


def _adam(g, s, t, h):
    b1, b2 = h["beta1"], h["beta2"]
    m = b1 * s["exp_avg"] + (1 - b1) * g
    v = b2 * s["exp_avg_sq"] + (1 - b2) * g * g
    m_hat = m / (1 - b1**t)
    v_hat = v / (1 - b2**t)
    return -h["learning_rate"] * m_hat / (np.sqrt(v_hat) + h["eps"]), {"exp_avg": m, "exp_avg_sq": v}


# The arithmetic of one scalar parameter for the panel: (θ, g, slots before, slots
# after, t, hyper, θ after, fmt) -> [(latex, value)], the last line θ's new value.


def _explain_sgd(th, g, s0, s1, t, h, new, f):
    return [(rf"\theta \leftarrow \theta - \eta g = {f(th)} - {f(h['learning_rate'])}\cdot{f(g)} = {f(new)}", new)]


def _explain_momentum(th, g, s0, s1, t, h, new, f):
    v0, v1, mu, lr = s0["velocity"], s1["velocity"], h["momentum"], h["learning_rate"]
    return [
        (rf"v \leftarrow \mu v + g = {f(mu)}\cdot{f(v0)} + {f(g)} = {f(v1)}", v1),
        (rf"\theta \leftarrow \theta - \eta v = {f(th)} - {f(lr)}\cdot{f(v1)} = {f(new)}", new),
    ]


def _explain_nesterov(th, g, s0, s1, t, h, new, f):
    v0, v1, mu, lr = s0["velocity"], s1["velocity"], h["momentum"], h["learning_rate"]
    return [
        (rf"v \leftarrow \mu v + g = {f(mu)}\cdot{f(v0)} + {f(g)} = {f(v1)}", v1),
        (
            rf"\theta \leftarrow \theta - \eta (g + \mu v) = {f(th)} - {f(lr)}\cdot({f(g)} + {f(mu)}\cdot{f(v1)})"
            rf" = {f(new)}",
            new,
        ),
    ]


def _explain_rmsprop(th, g, s0, s1, t, h, new, f):
    a, q0, q1, lr, eps = h["alpha"], s0["square_avg"], s1["square_avg"], h["learning_rate"], h["eps"]
    return [
        (rf"s \leftarrow \alpha s + (1-\alpha) g^2 = {f(a)}\cdot{f(q0)} + {f(1 - a)}\cdot{f(g)}^2 = {f(q1)}", q1),
        (
            rf"\theta \leftarrow \theta - \frac{{\eta\, g}}{{\sqrt{{s}} + \epsilon}} = {f(th)} - "
            rf"\frac{{{f(lr)}\cdot{f(g)}}}{{\sqrt{{{f(q1)}}} + {f(eps)}}} = {f(new)}",
            new,
        ),
    ]


def _explain_adam(th, g, s0, s1, t, h, new, f):
    b1, b2, lr, eps = h["beta1"], h["beta2"], h["learning_rate"], h["eps"]
    m0, m1, v0, v1 = s0["exp_avg"], s1["exp_avg"], s0["exp_avg_sq"], s1["exp_avg_sq"]
    m_hat, v_hat = m1 / (1 - b1**t), v1 / (1 - b2**t)
    return [
        (rf"m \leftarrow \beta_1 m + (1-\beta_1) g = {f(b1)}\cdot{f(m0)} + {f(1 - b1)}\cdot{f(g)} = {f(m1)}", m1),
        (
            rf"v \leftarrow \beta_2 v + (1-\beta_2) g^2 = {f(b2)}\cdot{f(v0)} + {f(1 - b2)}\cdot{f(g)}^2 = {f(v1)}",
            v1,
        ),
        (rf"\hat m = \frac{{m}}{{1-\beta_1^{{t}}}} = \frac{{{f(m1)}}}{{1-{f(b1)}^{{{t}}}}} = {f(m_hat)}", m_hat),
        (rf"\hat v = \frac{{v}}{{1-\beta_2^{{t}}}} = \frac{{{f(v1)}}}{{1-{f(b2)}^{{{t}}}}} = {f(v_hat)}", v_hat),
        (
            rf"\theta \leftarrow \theta - \frac{{\eta\,\hat m}}{{\sqrt{{\hat v}} + \epsilon}} = {f(th)} - "
            rf"\frac{{{f(lr)}\cdot{f(m_hat)}}}{{\sqrt{{{f(v_hat)}}} + {f(eps)}}} = {f(new)}",
            new,
        ),
    ]


@dataclass(frozen=True)
class OptimizerSpec:
    """One registry entry: the rule, the names of its state buffers, its defaults, its LaTeX."""

    name: str
    label: str
    rule: Rule
    slots: tuple[str, ...]
    defaults: Mapping[str, float]
    formula: str  # LaTeX of the update, for the panel
    explain: Callable[..., list[tuple[str, float]]]


OPTIMIZERS: Mapping[str, OptimizerSpec] = MappingProxyType(
    {
        o.name: o
        for o in (
            # torch.optim.SGD's default lr is 1e-3
            OptimizerSpec(
                "sgd",
                "SGD",
                _sgd,
                (),
                MappingProxyType({"learning_rate": 1e-3}),
                r"\theta \leftarrow \theta - \eta\, g",
                _explain_sgd,
            ),
            # torch has no default momentum (0 = plain SGD); 0.9 is the customary value
            OptimizerSpec(
                "momentum",
                N_("SGD + momentum"),
                _momentum,
                ("velocity",),
                MappingProxyType({"learning_rate": 1e-3, "momentum": 0.9}),
                r"v \leftarrow \mu v + g,\quad \theta \leftarrow \theta - \eta\, v",
                _explain_momentum,
            ),
            OptimizerSpec(
                "nesterov",
                N_("SGD + Nesterov momentum"),
                _nesterov,
                ("velocity",),
                MappingProxyType({"learning_rate": 1e-3, "momentum": 0.9}),
                r"v \leftarrow \mu v + g,\quad \theta \leftarrow \theta - \eta\,(g + \mu v)",
                _explain_nesterov,
            ),
            OptimizerSpec(
                "rmsprop",
                "RMSProp",
                _rmsprop,
                ("square_avg",),
                MappingProxyType({"learning_rate": 1e-2, "alpha": 0.99, "eps": 1e-8}),
                r"s \leftarrow \alpha s + (1-\alpha) g^2,\quad "
                r"\theta \leftarrow \theta - \frac{\eta\, g}{\sqrt{s}+\epsilon}",
                _explain_rmsprop,
            ),
            OptimizerSpec(
                "adam",
                "Adam",
                _adam,
                ("exp_avg", "exp_avg_sq"),
                MappingProxyType({"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
                r"m \leftarrow \beta_1 m + (1-\beta_1) g,\ v \leftarrow \beta_2 v + (1-\beta_2) g^2,\ "
                r"\theta \leftarrow \theta - \frac{\eta\, m/(1-\beta_1^t)}{\sqrt{v/(1-\beta_2^t)}+\epsilon}",
                _explain_adam,
            ),
        )
    }
)


@dataclass(frozen=True)
class OptimizerState:
    """An optimiser's state: ``step`` t (updates taken) and its buffers as flat read-only arrays (n_params,)."""

    name: str
    step: int
    slots: Mapping[str, np.ndarray] = field(default_factory=dict)

    def layers(self, net: Network, slot: str) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
        """Buffer ``slot`` shaped like the network: (per-layer (n_in, n_out) arrays, per-layer (n_out,) or None)."""
        return net._unflatten(self.slots[slot])

    def to_dict(self) -> dict:
        """Plain JSON-ready data: {"optimizer", "step", "slots": {name: [floats]}}."""
        return {"optimizer": self.name, "step": self.step, "slots": {k: v.tolist() for k, v in self.slots.items()}}

    @classmethod
    def from_dict(cls, d: dict, net: Network | None = None) -> OptimizerState:
        """Rebuild from :meth:`to_dict` output; ValueError naming the problem. ``net`` checks the sizes."""
        if not isinstance(d, dict) or d.get("optimizer") not in OPTIMIZERS:
            raise ValueError(_("optimiser state must name one of {choices}").format(choices=sorted(OPTIMIZERS)))
        spec = OPTIMIZERS[d["optimizer"]]
        step = d.get("step")
        if type(step) is not int or step < 0:
            raise ValueError(_("optimiser state: 'step' must be an integer ≥ 0"))
        raw = d.get("slots")
        if not isinstance(raw, dict) or set(raw) != set(spec.slots):
            raise ValueError(
                _("optimiser state of {name} needs the buffers {buffers}").format(
                    name=repr(spec.name), buffers=list(spec.slots)
                )
            )
        slots = {}
        for k in spec.slots:
            try:
                v = np.array(raw[k], dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(_("optimiser buffer {name} must be a list of numbers").format(name=repr(k))) from None
            if v.ndim != 1 or not np.all(np.isfinite(v)):
                raise ValueError(
                    _("optimiser buffer {name} must be a flat list of finite numbers").format(name=repr(k))
                )
            if net is not None and v.size != net.n_parameters:
                raise ValueError(
                    _("optimiser buffer {name} has {n} numbers; the network has {parameters}").format(
                        name=repr(k), n=v.size, parameters=net.n_parameters
                    )
                )
            v.setflags(write=False)
            slots[k] = v
        return cls(spec.name, step, MappingProxyType(slots))


@dataclass(frozen=True)
class Optimizer:
    """An optimiser with its hyper-parameters; ``init``/``step`` never mutate their inputs."""

    spec: OptimizerSpec
    hyper: Mapping[str, float]
    update_biases: bool = True

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def learning_rate(self) -> float:
        return self.hyper["learning_rate"]

    def init(self, net: Network) -> OptimizerState:
        """Zero buffers for ``net``, step 0."""
        slots = {}
        for k in self.spec.slots:
            v = np.zeros(net.n_parameters)
            v.setflags(write=False)
            slots[k] = v
        return OptimizerState(self.spec.name, 0, MappingProxyType(slots))

    def update(self, net: Network, grads: Gradients, state: OptimizerState) -> tuple[Update, OptimizerState]:
        """The change Δθ this optimiser makes, and its state after it."""
        if state.name != self.spec.name:
            raise ValueError(f"a {state.name!r} state cannot drive the {self.spec.name!r} optimiser")
        t = state.step + 1
        if self.spec.name == "sgd":
            # the one SGD rule, with Playground's L1 dead links (Network.compute_update)
            upd = net.compute_update(grads, self.learning_rate, self.update_biases)
            return upd, OptimizerState("sgd", t, MappingProxyType({}))
        g = net.gradient_vector(grads).astype(np.float64)
        delta, new = self.spec.rule(g, state.slots, t, self.hyper)
        keep = net.trainable_mask(self.update_biases)
        delta = np.where(keep, delta, 0.0).astype(net.dtype)
        slots = {}
        for k in self.spec.slots:
            v = np.where(keep, new[k], state.slots[k])
            v.setflags(write=False)
            slots[k] = v
        dW, db = net._unflatten(delta)
        upd = Update(tuple(dW), None if db is None else tuple(db), None, net.dead)
        return upd, OptimizerState(self.spec.name, t, MappingProxyType(slots))

    def step(self, net: Network, grads: Gradients, state: OptimizerState) -> tuple[Network, OptimizerState]:
        """One update: (the new network, the new state)."""
        upd, new_state = self.update(net, grads, state)
        return net.apply_update(upd), new_state

    def explain(
        self,
        net: Network,
        grads: Gradients,
        state: OptimizerState,
        index: int,
        fmt: Callable[[float], str] = fmt_number,
    ) -> list[tuple[str, float]]:
        """The update of flat parameter ``index`` written with its numbers: [(latex, value)], last = new θ.

        Values come from :meth:`update` itself, so the panel shows what the step did.
        """
        upd, new_state = self.update(net, grads, state)
        after = net.apply_update(upd)
        theta = float(net.parameter_vector()[index])
        new = float(after.parameter_vector()[index])
        if not net.trainable_mask(self.update_biases)[index]:
            why = _("(dead link: not updated)") if net._weight_mask()[index] else _("(frozen: not updated)")
            return [(rf"\theta = {fmt(theta)}\ \text{{{why}}}", new)]
        if self.spec.name == "sgd" and new == 0.0 and after._alive_mask()[index] == 0:
            return [(r"\theta \leftarrow 0\ \text{" + _("(L1 pushed it across 0: the link dies)") + "}", new)]
        g = float(net.gradient_vector(grads)[index])
        s0 = {k: float(v[index]) for k, v in state.slots.items()}
        s1 = {k: float(v[index]) for k, v in new_state.slots.items()}
        return self.spec.explain(theta, g, s0, s1, new_state.step, self.hyper, new, fmt)


def make_optimizer(name: str, update_biases: bool = True, **hyper: float) -> Optimizer:
    """The optimiser ``name`` with torch.optim's defaults, overridden by ``hyper`` (e.g. ``learning_rate=0.01``)."""
    try:
        spec = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(
            _("unknown optimiser {name}; choose one of {choices}").format(name=repr(name), choices=sorted(OPTIMIZERS))
        ) from None
    unknown = set(hyper) - set(spec.defaults)
    if unknown:
        raise ValueError(
            _("optimiser {name} takes {names}, not {unknown}").format(
                name=repr(name), names=sorted(spec.defaults), unknown=sorted(unknown)
            )
        )
    values = {k: float(hyper.get(k, v)) for k, v in spec.defaults.items()}
    for k, v in values.items():
        if not math.isfinite(v) or v < 0:
            raise ValueError(
                _("{optimizer}: {name} must be finite and ≥ 0, got {value}").format(
                    optimizer=name, name=k, value=repr(v)
                )
            )
    for k in ("momentum", "alpha", "beta1", "beta2"):
        if k in values and values[k] >= 1:
            raise ValueError(
                _("{optimizer}: {name} must be below 1, got {value}").format(
                    optimizer=name, name=k, value=repr(values[k])
                )
            )
    return Optimizer(spec, MappingProxyType(values), update_biases)
