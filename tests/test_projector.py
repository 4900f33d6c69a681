"""Export for TensorFlow's Embedding Projector, read back the way the projector reads it.

The readers below follow the projector's documented layout: TensorBoard reads
``vectors.tsv`` as lines of tab-separated floats (blank lines ignored); the web loader reads
``metadata.tsv`` skipping blank lines and taking the first line as a header only when it has a
tab; ``projector_config.pbtxt`` is a ``ProjectorConfig`` in protobuf text format (the message
is rebuilt here from the fields of TensorBoard's projector_config.proto and parsed with
protobuf itself).
"""

from __future__ import annotations

import numpy as np
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format

from w2v.errors import ParameterError
from w2v.formats.projector import save_projector
from w2v.keyed_vectors import KeyedVectors


def projector_config_class():
    """``tensorboard.projector.ProjectorConfig`` with the field numbers of the .proto."""
    T = descriptor_pb2.FieldDescriptorProto
    f = descriptor_pb2.FileDescriptorProto(
        name="w2v_test_projector_config.proto", package="tensorboard.projector", syntax="proto3"
    )

    def message(name, fields):
        m = f.message_type.add(name=name)
        for fname, number, ftype, label, type_name in fields:
            m.field.add(name=fname, number=number, type=ftype, label=label, type_name=type_name)

    opt, rep = T.LABEL_OPTIONAL, T.LABEL_REPEATED
    message(
        "SpriteMetadata",
        [
            ("image_path", 1, T.TYPE_STRING, opt, None),
            ("single_image_dim", 2, T.TYPE_UINT32, rep, None),
        ],
    )
    message(
        "EmbeddingInfo",
        [
            ("tensor_name", 1, T.TYPE_STRING, opt, None),
            ("metadata_path", 2, T.TYPE_STRING, opt, None),
            ("bookmarks_path", 3, T.TYPE_STRING, opt, None),
            ("tensor_shape", 4, T.TYPE_UINT32, rep, None),
            ("sprite", 5, T.TYPE_MESSAGE, opt, ".tensorboard.projector.SpriteMetadata"),
            ("tensor_path", 6, T.TYPE_STRING, opt, None),
        ],
    )
    message(
        "ProjectorConfig",
        [
            ("model_checkpoint_path", 1, T.TYPE_STRING, opt, None),
            ("embeddings", 2, T.TYPE_MESSAGE, rep, ".tensorboard.projector.EmbeddingInfo"),
            ("model_checkpoint_dir", 3, T.TYPE_STRING, opt, None),
        ],
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return message_factory.GetMessageClass(
        pool.FindMessageTypeByName("tensorboard.projector.ProjectorConfig")
    )


def read_tensor_tsv(path) -> np.ndarray:
    rows = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line:
            rows.append([float(x) for x in line.split("\t")])
    return np.array(rows, dtype=np.float32)


def read_metadata(path) -> tuple[list[str], list[list[str]]]:
    lines = [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    if "\t" in lines[0]:
        return lines[0].split("\t"), [line.split("\t") for line in lines[1:]]
    return ["label"], [[line] for line in lines]


@pytest.fixture
def kv() -> KeyedVectors:
    rng = np.random.default_rng(5)
    words = ["the", "king", "café", "naïve", "Köln", "1984", "e=mc²", '"quoted"', "x"]
    vectors = rng.standard_normal((len(words), 7)) * 10.0 ** rng.integers(-6, 4, (1, 7))
    return KeyedVectors(words, vectors.astype(np.float32), np.arange(90, 0, -10))


def test_round_trip_with_counts(tmp_path, kv):
    paths = save_projector(kv, tmp_path / "export", tensor_name='my "vectors" ü')
    assert [p.name for p in paths] == ["vectors.tsv", "metadata.tsv", "projector_config.pbtxt"]
    out = tmp_path / "export"
    np.testing.assert_array_equal(read_tensor_tsv(out / "vectors.tsv"), kv.vectors)
    header, rows = read_metadata(out / "metadata.tsv")
    assert header == ["word", "count"]
    assert [r[0] for r in rows] == kv.index_to_key
    assert [int(r[1]) for r in rows] == kv.counts.tolist()

    config = text_format.Parse(
        (out / "projector_config.pbtxt").read_text("utf-8"), projector_config_class()()
    )
    (embedding,) = config.embeddings
    assert embedding.tensor_name == 'my "vectors" ü'
    assert embedding.tensor_path == "vectors.tsv" and embedding.metadata_path == "metadata.tsv"
    assert list(embedding.tensor_shape) == [len(kv), kv.vector_size]
    # relative paths resolve against the config's directory, as TensorBoard does
    assert (out / embedding.tensor_path).is_file() and (out / embedding.metadata_path).is_file()


def test_limit_and_single_column_metadata(tmp_path, kv):
    plain = KeyedVectors(kv.index_to_key, kv.vectors)  # no counts
    save_projector(plain, tmp_path, limit=4)
    np.testing.assert_array_equal(read_tensor_tsv(tmp_path / "vectors.tsv"), kv.vectors[:4])
    header, rows = read_metadata(tmp_path / "metadata.tsv")
    assert header == ["label"] and [r[0] for r in rows] == kv.index_to_key[:4]
    config = text_format.Parse(
        (tmp_path / "projector_config.pbtxt").read_text("utf-8"), projector_config_class()()
    )
    assert list(config.embeddings[0].tensor_shape) == [4, kv.vector_size]


def test_vectors_tsv_has_no_label_column(tmp_path, kv):
    save_projector(kv, tmp_path)
    first = (tmp_path / "vectors.tsv").read_text().split("\n")[0].split("\t")
    assert len(first) == kv.vector_size
    [float(x) for x in first]  # every field a number: the projector takes none as a label


@pytest.mark.parametrize("bad", ["tab\there", "line\nbreak", "   ", "cr\r"])
def test_labels_that_would_shift_rows_are_refused(tmp_path, bad):
    kv = KeyedVectors(["ok", bad], np.ones((2, 3), dtype=np.float32))
    with pytest.raises(ParameterError, match="word 1"):
        save_projector(kv, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # checked before anything is written


def test_bad_arguments(tmp_path, kv):
    with pytest.raises(ParameterError, match="limit"):
        save_projector(kv, tmp_path, limit=0)
    with pytest.raises(ParameterError, match="does not exist"):
        save_projector(kv, tmp_path / "no" / "such" / "dir")
    with pytest.raises(ParameterError, match="2 dimensions"):
        save_projector(KeyedVectors(["a", "b"], np.ones((2, 1), dtype=np.float32)), tmp_path)


def test_convert_to_projector(tmp_path, kv, capsys):
    from w2v import cli
    from w2v.formats import save_vectors

    src = tmp_path / "vectors.w2v"
    save_vectors(kv, src, "native")
    out = tmp_path / "projector"
    assert cli.main(["convert", str(src), str(out), "--to", "projector", "--limit", "3"]) == 0
    assert "wrote 3 vectors of 7 dimensions" in capsys.readouterr().out
    np.testing.assert_array_equal(read_tensor_tsv(out / "vectors.tsv"), kv.vectors[:3])
    config = text_format.Parse(
        (out / "projector_config.pbtxt").read_text("utf-8"), projector_config_class()()
    )
    assert config.embeddings[0].tensor_name == "vectors.w2v"
    # a label the projector cannot hold: one line of error, nothing written
    bad = KeyedVectors(["ok", "tab\there"], np.ones((2, 3), dtype=np.float32))
    save_vectors(bad, tmp_path / "bad.w2v", "native")
    assert (
        cli.main(["convert", str(tmp_path / "bad.w2v"), str(tmp_path / "p2"), "--to", "projector"])
        == 1
    )
    assert "tab" in capsys.readouterr().err and not (tmp_path / "p2").exists()
