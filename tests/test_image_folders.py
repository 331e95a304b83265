"`fastgan.data.load_image_folder` end to end on real files: parallel decoding, the decoded cache, bad files, the memory bound"
import json, os
import numpy as np, pytest, torch
from PIL import Image
from fastai.data.transforms import get_image_files
import fastgan.data as data
from fastgan.data import DataError, available_memory, decode_image, decode_images, get_images, load_image_folder, load_mnist5k

@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    "A private cache for each test, so nothing is written to ~/.cache; returns the folder the entries go to"
    monkeypatch.setenv('FASTGAN_CACHE', str(tmp_path/'cache'))
    return tmp_path/'cache'/'folders'

@pytest.fixture(scope='session')
def digits(): return load_mnist5k()

@pytest.fixture
def folder(tmp_path, digits):
    "200 embedded digits (20 of each) in random colours on random backgrounds: 36x28 RGB PNGs, one subfolder per digit"
    rng, path = np.random.default_rng(0), tmp_path/'colour'
    for i in range(0, 5000, 25):
        ink = digits.x[i, 0].numpy()[..., None] / 255
        fg, bg = rng.integers(0, 256, (2, 3))
        img = Image.fromarray((ink*fg + (1-ink)*bg).round().astype(np.uint8)).resize((36, 28))  # wider than tall: cropped
        (path/str(digits.y[i].item())).mkdir(parents=True, exist_ok=True)
        img.save(path/str(digits.y[i].item())/f'{i:03d}.png')
    return path

@pytest.fixture
def decodes(monkeypatch):
    "The number of files of each call to `decode_images`, which only a cache miss makes"
    calls, real = [], data.decode_images
    def counting(files, *args, **kwargs):
        calls.append(len(files))
        return real(files, *args, **kwargs)
    monkeypatch.setattr(data, 'decode_images', counting)
    return calls

def pngs(path): return sorted(path.rglob('*.png'))

def decoded(files, size=32, channels=3): return np.stack([decode_image(f, size, channels) for f in files])

def test_colour_folder_end_to_end(folder, digits):
    imgs, files = load_image_folder(folder, 32), pngs(folder)
    assert imgs.x.shape == (200, 3, 32, 32) and imgs.x.dtype == torch.uint8
    assert imgs.classes == [str(i) for i in range(10)]
    assert [imgs.classes[o] for o in imgs.y] == [f.parent.name for f in files]  # sorted file order
    assert imgs.y.bincount().tolist() == [20]*10
    assert np.array_equal(imgs.x.numpy(), decoded(files))
    assert (imgs.x[:, 0] != imgs.x[:, 2]).any(), "colour, not grey"
    assert np.array_equal(decode_image(files[0], 28), np.asarray(Image.open(files[0]))[:, 4:32].transpose(2, 0, 1))  # center crop
    assert load_image_folder(folder, 32, channels=1).x.shape == (200, 1, 32, 32)

def test_threads_processes_and_serial_decode_the_same_bytes(folder):
    files = sorted(get_image_files(folder))
    serial, bad = decode_images(files, 32, 3, n_workers=0)
    assert np.array_equal(serial, decoded(files)) and bad == {}
    for kw in [dict(n_workers=2, threadpool=True), dict(n_workers=2, threadpool=False), dict(n_workers=3, progress=True), {}]:
        x, bad = decode_images(files, 32, 3, **kw)
        assert np.array_equal(x, serial) and bad == {}, kw

def test_second_load_is_a_cache_hit(folder, cache, decodes):
    a = load_image_folder(folder, 32)
    assert decodes == [200]
    (npy,), (meta,) = cache.glob('*.npy'), cache.glob('*.json')
    assert npy.stem == meta.stem
    assert np.array_equal(np.load(npy, allow_pickle=False, mmap_mode='r'), a.x.numpy())
    assert json.loads(meta.read_text()) == dict(shape=[200, 3, 32, 32], labels=a.y.tolist(), classes=a.classes, bad={})
    b = get_images(str(folder), 32)
    assert decodes == [200], "the second load decodes nothing"
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y) and a.classes == b.classes
    assert [f.suffix for f in folder.rglob('*') if f.is_file()] == ['.png']*200, "nothing written into the data folder"
    load_image_folder(folder, 28); load_image_folder(folder, 32, channels=1)
    assert decodes == [200]*3 and len(list(cache.glob('*.npy'))) == 3  # another size or channels: another entry

def test_any_change_to_the_folder_misses_the_cache(folder, decodes, digits):
    a, files = load_image_folder(folder, 32), pngs(folder)
    st = files[7].stat()
    os.utime(files[7], ns=(st.st_atime_ns, st.st_mtime_ns + 1))  # touched
    assert torch.equal(load_image_folder(folder, 32).x, a.x) and len(decodes) == 2
    Image.fromarray(digits.x[300, 0].numpy()).save(files[0].parent/'new.png')  # added
    assert len(load_image_folder(folder, 32).x) == 201 and len(decodes) == 3
    (files[0].parent/'new.png').unlink(); files[7].unlink()  # removed
    b = load_image_folder(folder, 32)
    assert torch.equal(b.x, torch.cat([a.x[:7], a.x[8:]])) and len(decodes) == 4

def test_cache_off_and_broken_entries_are_decoded_again(folder, cache, decodes):
    a = load_image_folder(folder, 32, cache=False)
    assert not cache.exists()
    load_image_folder(folder, 32)
    npy, meta = next(cache.glob('*.npy')), next(cache.glob('*.json'))
    good = npy.read_bytes()
    for broken in [b'', good[:len(good)//2], b'\x93NUMPY garbage']:
        npy.write_bytes(broken)
        assert torch.equal(load_image_folder(folder, 32).x, a.x)
    np.save(npy, np.array([{'a pickle': 1}], dtype=object), allow_pickle=True)  # never unpickled
    assert torch.equal(load_image_folder(folder, 32).x, a.x)
    meta.unlink()  # the .npy of a save cut short before its JSON
    assert torch.equal(load_image_folder(folder, 32).x, a.x)
    assert len(decodes) == 7 and sorted(f.suffix for f in cache.iterdir()) == ['.json', '.npy']

def test_bad_files_refused_together_or_skipped(folder, decodes):
    files = pngs(folder)
    (files[0].parent/'x.png').write_bytes(b'garbage bytes')
    (files[-1].parent/'truncated.png').write_bytes(files[-1].read_bytes()[:len(files[-1].read_bytes())//2])
    for _ in range(2):  # decoded, then from the cache
        with pytest.raises(DataError) as e: load_image_folder(folder, 32)
        msg = str(e.value)
        assert '\n' not in msg and msg.startswith(f'{folder}: 2 of 202 image files could not be read: ')
        assert f'{files[0].parent.name}/x.png (UnidentifiedImageError: cannot identify image file)' in msg
        assert f'{files[-1].parent.name}/truncated.png (OSError: ' in msg
        assert msg.endswith("expected readable images: fix or remove them, or pass --bad-images skip (bad_images='skip') to train without them")
    assert decodes == [202]
    with pytest.warns(UserWarning) as w: imgs = load_image_folder(folder, 32, bad_images='skip')
    assert len([o for o in w if 'could not be read' in str(o.message)]) == 1
    assert np.array_equal(imgs.x.numpy(), decoded(files))
    assert [imgs.classes[o] for o in imgs.y] == [f.parent.name for f in files]

def test_many_bad_files_are_counted(folder):
    for i in range(5): (folder/f'{i}.jpg').write_bytes(b'not a jpeg')
    with pytest.raises(DataError, match=r'5 of 205 image files could not be read: 0\.jpg \(.*\), 1\.jpg \(.*\), 2\.jpg \(.*\) and 2 more; expected'):
        load_image_folder(folder, 32)
    with pytest.warns(UserWarning, match='and 2 more'): imgs = load_image_folder(folder, 32, bad_images='skip')
    assert len(imgs.x) == 200 and imgs.n_classes == 10  # the images used all lie in class subfolders

def test_empty_and_unreadable_folders(tmp_path):
    (tmp_path/'empty').mkdir()
    with pytest.raises(DataError, match='empty: no image files found; expected .png, .jpg'): load_image_folder(tmp_path/'empty')
    (tmp_path/'notes').mkdir(); (tmp_path/'notes'/'readme.txt').write_text('no pictures')
    with pytest.raises(DataError, match='notes: no image files found'): get_images(str(tmp_path/'notes'))
    (tmp_path/'garbage').mkdir()
    for i in range(3): (tmp_path/'garbage'/f'{i}.png').write_bytes(os.urandom(100))
    for bad in ('refuse', 'skip'):
        with pytest.raises(DataError, match=r'garbage: none of the 3 image files could be read: 0\.png \(UnidentifiedImageError.*; expected images that PIL can open$'):
            load_image_folder(tmp_path/'garbage', bad_images=bad)
    with pytest.raises(DataError, match='not a directory'): load_image_folder(tmp_path/'empty'/'nothing')
    with pytest.raises(DataError, match="bad_images='ignore': expected 'refuse' or 'skip'"): load_image_folder(tmp_path/'garbage', bad_images='ignore')

def test_too_big_for_memory_is_refused_before_decoding(folder, decodes):
    with pytest.raises(DataError, match=r'colour: 200 images of 3x64x64 need 0\.00246 GB of memory but only 0\.001 GB is available; expected images that fit: use a smaller --size'):
        load_image_folder(folder, 64, budget=10**6)
    assert decodes == []
    assert len(load_image_folder(folder, 64, budget=200*3*64*64).x) == 200
    assert 2**20 < available_memory() < 2**50
