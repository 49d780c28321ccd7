"""A scenario's ``[[targets]]``: the published figures it should reproduce, each with the kind of evidence it is."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveFloat, model_validator

from sim.scenario.distributions import FieldError
from sim.scenario.fields import _Model

# What kind of evidence a target is: only a figure the model predicts tests the model; the other kinds agree by
# construction or say something else, and reports word each accordingly (docs/scenario-reference.md#targets).
EVIDENCE = {
    "predicted": "a figure of this district the model predicts (nothing in the scenario was set from it)",
    "fitted": "a figure of this district a rate or pace in the scenario was fitted to (agreement is by construction)",
    "layout": "a definition or a count of the district's layout, an input (it checks the layout, not the model)",
    "other_district": "a figure published for another district (a cross-district comparison)",
}
Evidence = Literal["predicted", "fitted", "layout", "other_district"]


class Target(_Model):
    """A published figure the scenario should reproduce (checked by ``gridsim calibrate``), and what kind of
    evidence it is (``EVIDENCE``)."""

    metric: str = Field(min_length=1, description="a metric name as in summary.json")
    value: float
    tolerance: PositiveFloat = Field(default=0.1, description="accepted relative error |simulated - value| / |value|")
    evidence: Evidence = "predicted"
    district: str = Field(default="", description="whose figure it is: required when evidence = 'other_district'")
    district_zh: str = Field(default="", description="the same in Chinese, for Chinese reports")
    source: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _whose(self) -> "Target":
        if self.evidence == "other_district" and not self.district.strip():
            raise FieldError(("district",), self.district, "name the district the figure was published for "
                             "(required when evidence = 'other_district')")
        return self
