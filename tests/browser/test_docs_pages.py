"""The docs pages in a real browser, offline (docs_pages.py, the stand-in for the Quarto site build): every processed notebook rendered
by nbconvert and opened in headless Chromium loads with its heading, no console error, no request off 127.0.0.1, every image shown,
its TeX typeset, and the saved widgets drawn by the html-manager. About a minute on 2 CPU cores.
The scripts come from $FASTGAN_WIDGETS_JS, fetched there (or into a temporary folder) by `npm pack` when missing."""
import pytest
from browser import need, need_browser
import docs_pages

def test_every_docs_page_in_a_browser(tmp_path):
    "Every page of the processed docs passes every check of docs_pages.check_page; all problems reported together"
    need_browser('selenium', 'nbconvert', 'nbdev')
    try: js = docs_pages.page_js(tmp_path/'js')
    except LookupError as e: need(False, str(e))
    proc = docs_pages.proc_docs(tmp_path)
    assert sorted(p.name for p in proc.glob('*.ipynb')) == sorted(p.name for p in tmp_path.glob('nbs/*.ipynb'))
    problems = docs_pages.check_site(proc, js, nbs=tmp_path/'nbs')
    if problems: pytest.fail('\n'.join(problems), pytrace=False)
