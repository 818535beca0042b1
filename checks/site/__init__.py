"""The intranet site: mkdocs-material, built from the checker's model and findings, per audience.

* :mod:`checks.site.build` — ``opsbook build`` / ``opsbook serve`` (mkdocs driven programmatically);
* :mod:`checks.site.hooks` — the mkdocs hooks (listed in ``mkdocs.yml``);
* :mod:`checks.site.audience` — who may see what (the one visibility predicate);
* :mod:`checks.site.context` — the data of one build (one ``engine.check``);
* :mod:`checks.site.pages` — the generated pages; :mod:`checks.site.render` — HTML fragments;
* :mod:`checks.site.macros` — macros for documents (mkdocs-macros-plugin).
"""
