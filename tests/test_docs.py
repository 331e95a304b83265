"Every exported public name is documented: functions and classes by their own docstring, constants in their notebook's text"
import importlib, inspect, json
from pathlib import Path
import pytest

NBS = Path(__file__).parents[1]/'nbs'
MODULES = ['data', 'models', 'losses', 'augment', 'learner', 'run', 'distributed', 'metrics', 'tracking', 'widgets', 'cli']

@pytest.mark.parametrize('mod', MODULES)
def test_every_public_name_is_documented(mod):
    m = importlib.import_module(f'fastgan.{mod}')
    nb = next(NBS.glob(f'[0-9][0-9]_{mod}.ipynb'))
    text = ' '.join(''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'markdown')
    def documented(name):
        o = getattr(m, name)
        if inspect.isclass(o): return bool(o.__dict__.get('__doc__'))  # its own, not a base class's
        if callable(o): return bool(o.__doc__)
        return f'`{name}`' in text
    assert m.__all__ and [n for n in m.__all__ if not documented(n)] == []

def test_every_module_has_its_notebook_and_a_sidebar_entry():
    side = (NBS/'sidebar.yml').read_text()
    for nb in NBS.glob('*.ipynb'): assert nb.name in side, nb.name
    for mod in MODULES: assert list(NBS.glob(f'[0-9][0-9]_{mod}.ipynb')), mod
