"""The trainer (hificodec_torch.train): a few steps of the tiny causal config
on a few real files; 2 steps in one run and 1 + 1 with a resume in between
end in the same state, bit for bit (through an autoencoder step, then the
codebook init and a quantized GAN step); the exported model file reads back.
A new run can start from a model file (--init-from), and a run can train from
a pack of the corpus (tools/pack-train-data). The later recipe options
(multi-period discriminator, discriminator warm-up, lr warm-up, band-level
loss, augmentation) resume exactly, and the warm-up leaves the codec's update untouched.
A run resumed by a trainer with more log columns keeps its files' columns.
Also: the polyphase transposed conv equals torch's, the band-level loss
reads a gain correctly, and a missing corpus is a clear error."""

import os
import tempfile
import unittest

import torch

from hificodec_torch import data, losses, train
from hificodec_torch.export import load_model_file
from hificodec_torch.model import CausalConvTranspose1d
from hificodec_torch.polyphase import use_polyphase
from hificodec_torch.safetensors_io import read

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(REPO, "..", "shared", "data", "speech")


def run(out: str, max_steps: int, extra=()) -> None:
    # Step 0 is a plain autoencoder step; step 1 fits the codebooks and is a
    # quantized, adversarial step.
    rc = train.main(["--config", "causal", "--out", out, "--data", DATA, "--limit-files", "3",
                     "--batch", "2", "--segment-seconds", "0.2", "--vq-start-step", "1",
                     "--gan-start-step", "1", "--max-steps", str(max_steps), "--eval-every", "2",
                     "--log-every", "1", "--valid-files", "2", "--threads", "1", "--seed", "5",
                     *extra])
    if rc != 0:
        raise AssertionError(f"train.main returned {rc}")


@unittest.skipUnless(os.path.isfile(os.path.join(DATA, "manifest.tsv")),
                     f"speech corpus not found at {DATA}")
class TrainTest(unittest.TestCase):
    def test_resume_is_exact_and_exports(self):
        with tempfile.TemporaryDirectory() as tmp:
            straight, resumed = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            run(straight, 2)
            run(resumed, 1)
            run(resumed, 2)
            a = torch.load(os.path.join(straight, "checkpoint.pt"))
            b = torch.load(os.path.join(resumed, "checkpoint.pt"))
            self.assertEqual(a["step"], 2)
            self.assertEqual(b["step"], 2)
            for part in ("model", "disc"):
                for name, t in a[part].items():
                    self.assertTrue(torch.equal(t, b[part][name]), f"{part} {name} differs")
            self.assertEqual(a["data_rng"], b["data_rng"])

            for name in ("model.safetensors", "best.safetensors"):
                path = os.path.join(resumed, name)
                tensors, metadata = read(path)
                self.assertIn("hificodec_config", metadata)
                model = load_model_file(path, weight_norm=False)
                self.assertEqual(model.config.name, "causal")
            with open(os.path.join(resumed, "valid.tsv")) as f:
                self.assertEqual(len(f.read().splitlines()), 2)  # header + step 2

    def test_init_from_a_model_file(self):
        """A new run started from an exported model holds its weights (codebooks
        included, so no k-means fit) and trains on from there."""
        with tempfile.TemporaryDirectory() as tmp:
            first, second = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            run(first, 2)
            start = os.path.join(first, "model.safetensors")
            rc = train.main(["--config", "causal", "--out", second, "--data", DATA,
                             "--limit-files", "3", "--batch", "2", "--segment-seconds", "0.2",
                             "--init-from", start, "--max-steps", "1", "--eval-every", "5",
                             "--threads", "1", "--seed", "6"])
            self.assertEqual(rc, 0)
            state = torch.load(os.path.join(second, "checkpoint.pt"))
            self.assertEqual(state["hparams"]["vq_start_step"], -1)
            books = "quantizer.quantizer_modules.0.embedding.weight"
            initial = torch.from_numpy(read(start)[0][books])
            # One step at lr 2e-3 (10x for codebooks) moves a codeword by ~1e-3 at most.
            self.assertLess((state["model"][books] - initial).abs().max().item(), 0.01)
            self.assertGreater((state["model"][books] - initial).abs().max().item(), 0.0)

    def test_init_from_another_decoder(self):
        """A run of the istft-head config starts from a waveform-head model of
        the same encoder and codebooks: those are taken, the decoder's tensors
        of the same name and shape too, and the new head's start fresh. A
        model with another encoder is refused."""
        with tempfile.TemporaryDirectory() as tmp:
            first, second = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            run(first, 2)
            start = os.path.join(first, "model.safetensors")
            args = ["--config", "causal_istft", "--out", second, "--data", DATA,
                    "--limit-files", "3", "--batch", "2", "--segment-seconds", "0.2",
                    "--init-from", start, "--max-steps", "1", "--eval-every", "5",
                    "--threads", "1", "--seed", "6", "--train", "generator"]
            self.assertEqual(train.main(args), 0)
            state = torch.load(os.path.join(second, "checkpoint.pt"))["model"]
            taken = read(start)[0]
            for name in ("encoder.conv_pre.bias", "quantizer.quantizer_modules.0.embedding.weight"):
                self.assertTrue(torch.equal(state[name], torch.from_numpy(taken[name])), name)
            # The generator learnt one step from the taken weights (lr 2e-4).
            moved = state["generator.conv_pre.bias"] - torch.from_numpy(taken["generator.conv_pre.bias"])
            self.assertLess(moved.abs().max().item(), 0.01)
            self.assertEqual(state["generator.conv_post.bias"].shape[0], 34)
            with self.assertRaises(SystemExit):
                train.main(["--config", "tiny_istft", "--out", os.path.join(tmp, "c"),
                            "--data", DATA, "--limit-files", "3", "--init-from", start,
                            "--max-steps", "1"])

    def test_pack_holds_the_corpus_samples_and_trains(self):
        """A pack (what travels to a GPU machine) gives the trainer the same
        utterances, sample for sample, as the corpus it was made from; a run on
        the pack (--device cpu here) trains and resumes like one on the corpus."""
        with tempfile.TemporaryDirectory() as tmp:
            splits = {s: data.load_split(DATA, s, 3) for s in ("train", "valid")}
            pack = os.path.join(tmp, "pack.npz")
            data.save_pack(pack, splits)
            for s, items in splits.items():
                back = data.load_split(pack, s)
                self.assertEqual([p for p, _ in back], [p for p, _ in items])
                for (_, a), (_, b) in zip(back, items):
                    self.assertEqual(a.dtype, b.dtype)
                    self.assertTrue((a == b).all())
            out = os.path.join(tmp, "run")
            for steps in (1, 2):
                rc = train.main(["--config", "causal", "--out", out, "--data", pack,
                                 "--batch", "2", "--segment-seconds", "0.2", "--device", "cpu",
                                 "--max-steps", str(steps), "--eval-every", "2",
                                 "--valid-files", "2", "--threads", "1"])
                self.assertEqual(rc, 0)
            self.assertEqual(torch.load(os.path.join(out, "checkpoint.pt"))["step"], 2)
            with self.assertRaisesRegex(ValueError, "no test split"):
                data.load_split(pack, "test")

    def test_new_recipe_options_resume_exactly(self):
        """The multi-period discriminator, the discriminator-only warm-up, the
        lr warm-up, the band-level and intelligibility losses, the crop
        augmentation and the source weights are kept in the checkpoint: 2 steps straight equal 1 + 1 with a resume, bit for
        bit."""
        with tempfile.TemporaryDirectory() as tmp:
            opts = ["--disc", "mpd+msstft", "--gan-warmup-steps", "1", "--lr-warmup-steps", "3",
                    "--level-weight", "2", "--augment", "noise:0.5,eq:0.5,reverb:0.5",
                    # Crops longer than one 384 ms segment, so that the
                    # intelligibility loss counts.
                    "--intelligibility-weight", "3", "--segment-seconds", "0.48",
                    "--source-weights", "ami:3"]
            straight, resumed = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            run(straight, 2, opts)
            run(resumed, 1, opts)
            run(resumed, 2, opts)
            a = torch.load(os.path.join(straight, "checkpoint.pt"))
            b = torch.load(os.path.join(resumed, "checkpoint.pt"))
            self.assertEqual(a["hparams"]["disc"], "mpd+msstft")
            self.assertEqual(b["hparams"]["level_weight"], 2.0)
            self.assertEqual(b["hparams"]["source_weights"], "ami:3")
            self.assertTrue(any(n.startswith("parts.0.") for n in a["disc"]))  # the MPD
            for part in ("model", "disc"):
                for name, t in a[part].items():
                    self.assertTrue(torch.equal(t, b[part][name]), f"{part} {name} differs")

    def test_gan_warmup_leaves_the_generator_alone(self):
        """During --gan-warmup-steps the discriminator learns (it moves) but
        the codec's update is exactly that of a run without an adversary."""
        with tempfile.TemporaryDirectory() as tmp:
            plain, warm = os.path.join(tmp, "plain"), os.path.join(tmp, "warm")
            run(plain, 2, ["--gan-start-step", "100"])
            run(warm, 2, ["--gan-warmup-steps", "10"])  # run(): GAN from step 1
            a = torch.load(os.path.join(plain, "checkpoint.pt"))
            b = torch.load(os.path.join(warm, "checkpoint.pt"))
            for name, t in a["model"].items():
                self.assertTrue(torch.equal(t, b["model"][name]), f"model {name} differs")
            moved = [n for n, t in a["disc"].items() if not torch.equal(t, b["disc"][n])]
            self.assertTrue(moved, "the discriminator did not learn during its warm-up")

    def test_generator_only_leaves_encoder_and_codebooks(self):
        """--train generator: after two steps (one with the adversary) the
        encoder and the codebooks are the start's, bit for bit, and the
        generator has moved."""
        with tempfile.TemporaryDirectory() as tmp:
            first, second = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            run(first, 2)
            rc = train.main(["--config", "causal", "--out", second, "--data", DATA,
                             "--limit-files", "3", "--batch", "2", "--segment-seconds", "0.2",
                             "--init-from", os.path.join(first, "model.safetensors"),
                             "--train", "generator", "--gan-start-step", "1", "--max-steps", "2",
                             "--eval-every", "5", "--threads", "1"])
            self.assertEqual(rc, 0)
            end = torch.load(os.path.join(second, "checkpoint.pt"))["model"]
            from_file = load_model_file(os.path.join(first, "model.safetensors")).state_dict()
            for name, t in end.items():
                if name.startswith(("encoder.", "quantizer.")):
                    self.assertTrue(torch.equal(t, from_file[name]), f"{name} moved")
            moved = [n for n in end if n.startswith("generator.")
                     and not torch.equal(end[n], from_file[n])]
            self.assertTrue(moved, "the generator did not learn")

    def test_resume_keeps_an_older_runs_columns(self):
        """A run started by a trainer that logged fewer columns (before the
        intelligibility loss) and resumed by this one: its log.tsv and
        valid.tsv keep their header, and every row lines up with it."""
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "run")
            run(out, 2)
            old = {"log.tsv": "intel", "valid.tsv": "intelligibility"}
            for name, dropped in old.items():
                path = os.path.join(out, name)
                rows = [line.rstrip("\n").split("\t") for line in open(path)]
                i = rows[0].index(dropped)
                with open(path, "w") as f:
                    f.writelines("\t".join(r[:i] + r[i + 1:]) + "\n" for r in rows)
            run(out, 4)
            for name, dropped in old.items():
                rows = [line.rstrip("\n").split("\t")
                        for line in open(os.path.join(out, name))]
                self.assertNotIn(dropped, rows[0])
                self.assertEqual(rows[-1][0], "4", name)
                for r in rows[1:]:
                    self.assertEqual(len(r), len(rows[0]), f"{name}: {r}")

    def test_missing_data_is_a_clear_error(self):
        with self.assertRaisesRegex(FileNotFoundError, "speech data not found"):
            data.load_split(os.path.join(REPO, "no-such-folder"), "train")


class LevelLossTest(unittest.TestCase):
    def test_level_is_the_band_energy_ratio(self):
        """The band-level loss of a copy at half the amplitude is 6.02 dB in
        every band: 0.602 in log10 power; 0 for the signal itself."""
        spectral = losses.SpectralLoss(16000)
        torch.manual_seed(1)
        wav = 0.1 * torch.randn(2, 8000)
        self.assertEqual(spectral(wav, wav)[2].item(), 0.0)
        self.assertAlmostEqual(spectral(0.5 * wav, wav)[2].item(), 0.602, places=3)


class PolyphaseTest(unittest.TestCase):
    def test_matches_conv_transpose(self):
        torch.manual_seed(0)
        # Kernels that are and are not multiples of the stride.
        for c_in, c_out, k, s in ((6, 4, 8, 4), (5, 3, 7, 3), (4, 4, 3, 3), (3, 2, 16, 8)):
            ref = CausalConvTranspose1d(c_in, c_out, k, s)
            torch.nn.utils.weight_norm(ref)
            fast = CausalConvTranspose1d(c_in, c_out, k, s)
            torch.nn.utils.weight_norm(fast)
            fast.load_state_dict(ref.state_dict())
            use_polyphase(fast)
            x = torch.randn(2, c_in, 37)
            y_ref, y_fast = ref(x), fast(x)
            self.assertEqual(y_ref.shape, y_fast.shape)
            torch.testing.assert_close(y_fast, y_ref, rtol=1e-5, atol=1e-6)
            y_ref.square().sum().backward()
            y_fast.square().sum().backward()
            torch.testing.assert_close(fast.weight_v.grad, ref.weight_v.grad, rtol=1e-4, atol=1e-5)


if __name__ == "__main__":
    unittest.main()
