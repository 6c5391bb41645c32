"""Fault injection (the README's table says what each does): per request, one seeded draw picks at most one
fault, the same for one seed and one order of requests."""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_args

from sae_job.emulator.spec import SettingsValidator, conform, settings_schema

FaultKind = Literal["error_503", "throttle", "drop_after_commit", "stall"]
#: The faults a draw can pick, in the order their probabilities are stacked on [0, 1).
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
#: The longest time any setting may give, in seconds (a day): a bound that keeps every clock sum finite.
MAX_SECONDS = 86_400
_PROBABILITY = {"type": "number", "minimum": 0, "maximum": 1}
_SECONDS = {"type": "number", "minimum": 0, "maximum": MAX_SECONDS}
_MILLISECONDS = {"type": "number", "minimum": 0, "maximum": MAX_SECONDS * 1000}


@dataclass(frozen=True, slots=True)
class Faults:
    """What the emulator does wrong, as the README's table says: four probabilities per request, at most 1
    together, and their settings; ``ValueError`` out of range."""

    drop_after_commit: float = field(default=0.0, metadata=_PROBABILITY)
    error_503: float = field(default=0.0, metadata=_PROBABILITY)
    throttle: float = field(default=0.0, metadata=_PROBABILITY)
    stall: float = field(default=0.0, metadata=_PROBABILITY)
    latency_ms: float = field(default=0.0, metadata=_MILLISECONDS)
    retry_after: float = field(default=1.0, metadata=_SECONDS)
    stall_seconds: float = field(default=30.0, metadata=_SECONDS)
    seed: int = field(default=0, metadata={"type": "integer"})
    throttle_status: int = field(default=400, metadata={"enum": [400, 429]})

    def __post_init__(self) -> None:
        conform(_FAULTS, {f.name: getattr(self, f.name) for f in fields(self)}, "faults")
        total = sum(getattr(self, kind) for kind in FAULT_KINDS)
        if total > 1.0 + 1e-9:
            raise ValueError(f"the fault probabilities add up to {total:g}, more than 1")

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> Faults:
        """Faults from a mapping of field names; ``ValueError`` names an unknown key or a bad value."""
        conform(_FAULTS, dict(table), "faults")
        return cls(**table)

    @property
    def enabled(self) -> bool:
        """Whether any fault or latency is configured."""
        return self.latency_ms > 0 or any(getattr(self, kind) > 0 for kind in FAULT_KINDS)

    def describe(self) -> str:
        """One line for a log: the faults that are on, or ``none``."""
        on = [f"{kind}={getattr(self, kind):g}" for kind in FAULT_KINDS if getattr(self, kind) > 0]
        settings = (("throttle", "retry_after"), ("stall", "stall_seconds"), ("latency_ms", "latency_ms"))
        shown = [(name, getattr(self, name)) for by, name in settings if getattr(self, by) > 0]
        on += [f"{name}={value:g}{'s' if name == 'retry_after' else ''}" for name, value in shown]
        return f"{', '.join(on)} (seed {self.seed})" if on else "none"


#: What a ``[faults]`` table or ``Faults`` may hold.
FAULTS_SCHEMA = settings_schema(Faults)
_FAULTS = SettingsValidator(FAULTS_SCHEMA)


class FaultInjector:
    """Draws the fault for each request from ``random.Random(faults.seed)``; thread-safe."""

    def __init__(self, faults: Faults) -> None:
        self.faults, self._random, self._lock = faults, random.Random(faults.seed), threading.Lock()
        self._kinds = [kind for kind in FAULT_KINDS if getattr(faults, kind) > 0]
        self._edges = [*itertools.accumulate(getattr(faults, kind) for kind in self._kinds), 1.0]

    def draw(self) -> FaultKind | None:
        """The fault to inject into the next request, or None."""
        if not self._kinds:
            return None  # no draw: turning faults on later starts the seeded sequence from its start
        with self._lock:
            return self._random.choices([*self._kinds, None], cum_weights=self._edges)[0]
