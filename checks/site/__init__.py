"""The intranet site: staged from the checker's model and findings, per audience, then rendered.

* :mod:`checks.site.stage` — the staged docs tree for one audience (plain functions over the model:
  pages, metadata cards, banners, redaction, cleaning, macros, the generated configuration and navigation)
  and the scan of a generator's output;
* :mod:`checks.site.build` — ``opsbook build`` / ``stage`` / ``serve``: the thin mkdocs-material and
  Zensical adapters;
* :mod:`checks.site.audience` — who may see what (the one visibility predicate);
* :mod:`checks.site.context` — the data of one build (one ``engine.check``);
* :mod:`checks.site.pages` — the generated pages; :mod:`checks.site.render` — HTML fragments;
* :mod:`checks.site.macros` — the macros documents may call (expanded by :mod:`checks.templating`).
"""
