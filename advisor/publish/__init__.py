"""Publishing guides and rulebook exports to wikis: MediaWiki and Confluence.

:mod:`advisor.publish.common` reads the page file and checks its format, and needs nothing
beyond the standard library; :mod:`advisor.publish.mediawiki` and
:mod:`advisor.publish.confluence` talk to the wikis and need the ``publish`` extra
(mwclient and requests).
"""
