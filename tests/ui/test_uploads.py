"""Uploads kept on the server: content-addressed, durable, shared by workers, private to a browser."""

import subprocess
import sys
from pathlib import Path

import pytest

import wann_viz
from wann_viz.genome import GenomeError, genome_to_json
from wann_viz.ui.uploads import UploadStore

ROOT = Path(__file__).resolve().parents[2]


def genome_bytes(name: str = "mine") -> bytes:
    g = wann_viz.load_genome(ROOT / "saved_genomes" / "swingup-authors.json").with_changes(name=name)
    return genome_to_json(g).encode()


def test_content_addressed_and_private_to_each_uploader(tmp_path):
    store = UploadStore(tmp_path)
    key, secret_a, genome = store.add(genome_bytes(), "a.json")
    key_b, secret_b, _ = store.add(genome_bytes(), "b.json")  # the same file from another browser
    assert key == key_b and secret_a != secret_b and genome.name == "mine"
    assert store.genome(key, {"secret": secret_a}).name == store.genome(key, {"secret": secret_b}).name
    for credential in ({}, {"secret": "guess"}, {"share": "guessguess"}, None, "x"):
        with pytest.raises(GenomeError, match="not available"):
            store.genome(key, credential)
    assert len(store) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == \
        [f"{key}.access.json", f"{key}.genome.json"]


def test_share_links_open_it_read_only(tmp_path):
    store = UploadStore(tmp_path)
    key, secret, _ = store.add(genome_bytes(), "a.json")
    token = store.share(key, {"secret": secret})
    assert store.share(key, {"secret": secret}) == token  # one link per upload
    assert store.genome(key, {"share": token}).name == "mine"
    with pytest.raises(GenomeError, match="only the browser that uploaded"):
        store.share(key, {"share": token})  # a link cannot make links
    with pytest.raises(GenomeError):
        store.share(key, {"secret": "guess"})


def test_survives_a_restart_another_process_and_100_other_uploads(tmp_path):
    store = UploadStore(tmp_path)
    key, secret, _ = store.add(genome_bytes(), "a.json")
    for i in range(100):
        store.add(genome_bytes(f"other {i}"), f"o{i}.json")
    # A new process (another worker, or the server after a restart) on the same folder.
    code = ("import sys; from wann_viz.ui.uploads import UploadStore; "
            "print(UploadStore(sys.argv[1]).genome(sys.argv[2], {'secret': sys.argv[3]}).name)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path), key, secret], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "mine"


def test_capped_in_count_and_bytes_least_recently_used_first(tmp_path):
    store = UploadStore(tmp_path, max_count=3)
    keys = [store.add(genome_bytes(f"g{i}"), f"{i}.json")[:2] for i in range(3)]
    import os
    import time

    for i, (key, _) in enumerate(keys):  # make the access order explicit: g0 oldest
        os.utime(tmp_path / f"{key}.access.json", (time.time() - 100 + i, time.time() - 100 + i))
    store.genome(keys[0][0], {"secret": keys[0][1]})  # g0 used again: now the newest
    store.add(genome_bytes("g3"), "3.json")
    assert len(store) == 3
    with pytest.raises(GenomeError):
        store.genome(keys[1][0], {"secret": keys[1][1]})  # g1 was the least recently used
    assert store.genome(keys[0][0], {"secret": keys[0][1]}).name == "g0"
    small = UploadStore(tmp_path / "small", max_bytes=len(genome_bytes()) + 100)
    first = small.add(genome_bytes("x"), "x.json")
    small.add(genome_bytes("y"), "y.json")
    assert len(small) == 1
    with pytest.raises(GenomeError):
        small.genome(first[0], {"secret": first[1]})


def test_bad_files_are_genome_errors(tmp_path):
    store = UploadStore(tmp_path)
    with pytest.raises(GenomeError, match="not valid JSON"):
        store.add(b"{nope", "bad.json")
    with pytest.raises(GenomeError, match="which task"):
        store.add(genome_to_json(wann_viz.Genome(activations=[1, 1, 1], connections=[[1, 2]], n_in=1,
                                                 n_out=1)).encode(), "notask.json")
    assert len(store) == 0


def test_a_share_link_opens_the_upload_in_another_browser(tmp_path):
    import base64

    from wann_viz.ui import callbacks_genome as cg
    from wann_viz.ui.callbacks_url import make_share_link, view_link
    from wann_viz.ui.catalog import Catalog

    catalog = Catalog(uploads=UploadStore(tmp_path))
    contents = "data:application/json;base64," + base64.b64encode(genome_bytes()).decode()
    mine = cg.select_genome("upload", catalog=catalog, upload_contents=contents, upload_filename="m.json",
                            upload_task="auto", uploads={})
    key, uploads = mine["picker"], mine["uploads"]
    assert set(uploads[key]) == {"secret"}  # the browser keeps a credential, not the genome
    request = {"weight": 0.8, "seed": 3}
    private = view_link(request, "swingup", mine["meta"], None, None, "/", uploads)
    assert "genome=" not in private["query"] and private["can_share"]
    uploads, _ = make_share_link(1, mine["meta"], uploads, catalog)
    shared = view_link(request, "swingup", mine["meta"], None, None, "/", uploads)
    assert f"genome={key}" in shared["query"] and "share=" in shared["query"] and not shared["can_share"]
    # Another browser, with nothing in its store, opens the link.
    theirs = cg.select_genome("url", catalog=catalog, pathname="/", search=shared["query"], uploads={})
    assert theirs["meta"]["key"] == key and theirs["seed"] == 3 and theirs["weight"] == 0.8
    assert set(theirs["uploads"][key]) == {"share"}
    _, message = make_share_link(1, theirs["meta"], theirs["uploads"], catalog)
    assert "only the browser that uploaded" in message
    wrong = cg.select_genome("url", catalog=catalog, pathname="/", search=f"?genome={key}&share=wrongtoken1",
                             uploads={})
    assert wrong["meta"]["key"] == "swingup-authors" and any("not available" in n for n in wrong["notices"])
