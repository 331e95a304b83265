"fastgan as a library: what a user's own code relies on"
import gzip, json, struct, urllib.error
import numpy as np, pytest, torch
import fastgan
from fastai.learner import Learner
from fastgan.data import DataError, gan_dls, get_images, load_mnist5k
from fastgan.models import gan_models, generate, load_generator
from fastgan.losses import get_loss
from fastgan.learner import GANModule, GANStat, GANTrainer, gan_splitter
from fastgan.cli import train
import fastgan.all
from conftest import SMALL

def test_load_generator_samples_like_the_learner_that_saved_it(tmp_path):
    learn = train(tmp_path/'run', epochs=1, n_images=256, width=8)
    g = load_generator(tmp_path/'run')
    assert not g.training
    assert torch.equal(generate(g, 32, seed=7), learn.sample(32, seed=7))

def test_saved_files_are_safetensors_and_json_only(tmp_path):
    learn = train(tmp_path/'run', epochs=1, n_images=128, width=8)
    for p in (tmp_path/'run').glob('*.safetensors'):
        n = struct.unpack('<Q', p.read_bytes()[:8])[0]
        json.loads(p.read_bytes()[8:8+n])  # a safetensors header: JSON, no pickle

def test_full_mnist_offline_names_the_embedded_alternative(monkeypatch):
    def offline(*a, **k): raise urllib.error.URLError('no network')
    monkeypatch.setattr(fastgan.data, 'untar_data', offline)
    with pytest.raises(DataError, match='offline, use the embedded 5,000 digits instead: --data mnist5k'): get_images('mnist')

def test_idx_directory_through_get_images(tmp_path):
    m = load_mnist5k()
    def write(fn, t):
        t = t.numpy().astype(np.uint8)
        with gzip.open(fn, 'wb') as f: f.write(bytes([0, 0, 8, t.ndim]) + struct.pack(f'>{t.ndim}I', *t.shape) + t.tobytes())
    write(tmp_path/'train-images-idx3-ubyte.gz', m.x[:64, 0]); write(tmp_path/'train-labels-idx1-ubyte.gz', m.y[:64])
    imgs = get_images(str(tmp_path))
    assert torch.equal(imgs.x, m.x[:64]) and torch.equal(imgs.y, m.y[:64])

def test_callback_plugs_into_a_plain_fastai_learner():
    "GANTrainer works in a user's own `Learner`, with their own optimizer settings"
    dls = gan_dls('mnist5k', bs=128, seed=0, device='cpu')
    g, c = gan_models('mlp')
    learn = Learner(dls, GANModule(g, c), loss_func=get_loss('ns'), splitter=gan_splitter, lr=1e-4, cbs=GANTrainer(n_fixed=0),
                    metrics=[GANStat('crit_loss')])
    learn.recorder.train_metrics, learn.recorder.valid_metrics = True, False
    before = [p.detach().clone() for p in g.parameters()]
    with learn.no_bar(), learn.no_logging(): learn.fit(1)
    assert all(not torch.equal(a, b) for a, b in zip(before, g.parameters()))
    assert np.isfinite(learn.recorder.values[-1][1])

def test_version_and_public_api():
    assert fastgan.__version__
    for name in ('gan_dls', 'load_mnist5k', 'gan_models', 'DCGANGenerator', 'MLPGenerator', 'GANLearner', 'GANTrainer',
                 'load_generator', 'save_generator', 'get_loss', 'train', 'sample_run'):
        assert name in dir(fastgan.all), name
