"""The proposal pipeline: where the projects of one run come from.

Proposals arrive from each template as a Poisson process (``per_year``), with
lognormal sizes and estimate errors (:class:`sim.model.projects.ProposalSource`);
listed projects join the funnel on their start day. Each draws from streams of
its own, so adding a template leaves every other draw where it was.
"""

from __future__ import annotations

from collections.abc import Iterator

import simpy
from simpy.events import Timeout

from sim.model.projects import Portfolio, ProposalSource
from sim.model.rng import Streams
from sim.schema.scenario import Projects


def start_pipeline(env: simpy.Environment, book: Portfolio, params: Projects,
                   streams: Streams) -> None:
    """Schedule the listed projects and start the template proposal processes."""
    for template in params.templates:
        if template.per_year > 0:
            key = template.name
            source = ProposalSource(
                template, params.size_cv,
                gaps=streams.exponential(f"template:{key}:proposals"),
                sizes=streams.normal(f"template:{key}:size"),
                errors=streams.normal(f"template:{key}:estimate"))
            env.process(_propose_from(env, book, source))
    errors = streams.normal("portfolio:estimate")
    for spec in params.portfolio:
        z = next(errors)
        if spec.start == 0:
            book.propose_planned(spec, z, 0.0)
        else:
            Timeout(env, spec.start).callbacks.append(
                lambda _e, spec=spec, z=z: book.propose_planned(spec, z, env.now))


def _propose_from(env: simpy.Environment, book: Portfolio, source: ProposalSource) -> Iterator:
    template = source.template
    count = 0
    while True:
        yield env.timeout(source.next_gap())
        count += 1
        size, z = source.draw()
        book.propose(f"{template.name}-{count}", template.name, size, z,
                     template.team, template.benefits, env.now, template.ai)
