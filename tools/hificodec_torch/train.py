"""Trains a hificodec model on the shared speech corpus.

    python3 -m hificodec_torch.train --config CONFIG --out RUN_DIR [options]

RUN_DIR/checkpoint.pt holds the whole training state and is rewritten
atomically every --checkpoint-minutes and at exit (also on SIGTERM/SIGINT);
running the same command again resumes exactly where it stopped. RUN_DIR also
gets log.tsv (training losses and codebook usage every --log-every steps),
valid.tsv (validation every --eval-every steps), model.safetensors (the model
file at the last validation) and best.safetensors (the one with the best
validation log-mel distance).

Recipe: HiFi-GAN's AdamW (betas 0.8/0.99, exponential lr decay) for the codec
and the discriminator; multi-resolution log-mel and STFT losses plus the
official quantizer's codebook/commitment loss (straight-through); a plain
autoencoder until --vq-start-step, then k-means codebook init and dead-code
replacement (codebook_init.py); the adversarial and feature-matching losses
(discriminator.py) only from --gan-start-step on, because a GAN step costs
~4x a reconstruction step and the reconstruction losses are what move the
log-mel distance early on.
"""

import argparse
import contextlib
import os
import signal
import sys
import time
from collections import deque
from typing import Dict, List, Optional

import numpy as np
import torch

from . import augment, codebook_init
from .atomic_file import write_atomic
from .config import load_config
from .data import (DEFAULT_DIR, DEFAULT_NOISE_DIR, DEFAULT_VALID_FILES, CropSampler,
                   load_noise, load_split, source_factors, spread, to_float)
from .discriminator import KINDS as DISC_KINDS, build_discriminator
from .evaluate import evaluate
from .export import load_model_file, save_model_file
from .losses import (IntelligibilityLoss, SpectralLoss, discriminator_loss,
                     feature_matching_loss, generator_adv_loss)
from .model import HiFiCodec
from .polyphase import use_polyphase

# Hyperparameters fixed when a run starts and kept in its checkpoint.
DEFAULTS = {
    "batch": 8,
    "segment_seconds": 0.64,
    "lr": 2e-4,
    # Per step: halves the lr every ~70k steps (HiFi-GAN's 0.999 per epoch
    # of ~800 steps is 0.9999988 per step; we expect far fewer steps).
    "lr_decay": 0.99999,
    "vq_start_step": 200,
    "gan_start_step": 20000,
    # Steps from --gan-start-step in which only the discriminator learns: a
    # new discriminator's verdicts are noise, and the generator of a trained
    # codec would otherwise be pushed around by them.
    "gan_warmup_steps": 0,
    # Steps over which the lr ramps up linearly from lr / warmup: a run
    # started from a trained model (--init-from) has a fresh optimizer, whose
    # first steps move every parameter by about the full lr in the direction
    # of one noisy gradient.
    "lr_warmup_steps": 0,
    # Weight of the band-level loss (losses.SpectralLoss): each mel band's
    # energy over a crop, in log10 units. 0 in the runs before it existed.
    "level_weight": 0.0,
    # Weight of the intelligibility loss (losses.IntelligibilityLoss:
    # 1 - (STOI + ESTOI) / 2 on the crop). 0 in the runs before it existed.
    "intelligibility_weight": 0.0,
    # Sources drawn more (or less) often than their share of the corpus, e.g.
    # "precise:4,picovoice_wwb:4": each file's chance, proportional to its
    # length, times its source's factor (data.CropSampler); "" for none.
    "source_weights": "",
    "disc": "msstft",
    # Crop augmentation (augment.py), e.g. "noise:0.5,eq:0.3,reverb:0.2":
    # each kind applied with its probability; "" for none.
    "augment": "",
    # What learns: "all", or "generator" alone with the encoder and the
    # codebooks frozen (the tokens of a shipped model keep their meaning, and
    # a step skips the encoder's and quantizer's backward passes, ~23% of a
    # reconstruction step on the CPU: tools/profile-train-step).
    "train": "all",
    "seed": 0,
}
# Hyperparameters a resumed run may change (they shape the batches or switch
# a phase, not the state); the others must match the checkpoint.
MAY_CHANGE = ("batch", "segment_seconds", "gan_start_step", "gan_warmup_steps", "lr",
              "level_weight", "intelligibility_weight", "augment")

ADAM_BETAS = (0.8, 0.99)
# Loss weights. The mel loss is in log10 power, twice HiFi-GAN's
# natural-log magnitude per unit of error over ln(10): 50 here ~ its 45.
MEL_WEIGHT = 50.0
STFT_WEIGHT = 4.0
VQ_WEIGHT = 10.0  # the official HiFi-Codec's loss_q * 10
FM_WEIGHT = 2.0   # HiFi-GAN
# Quantization starts at --vq-start-step, with each codebook fitted to this
# many encoder frames per code. Before it the codec trains as a plain
# autoencoder. Measured with quantization from step 0 (codebooks fitted to the
# step-0 encoder): the decoder sees nearly constant codewords, the
# straight-through gradient then pushes every latent frame the same way with
# nothing to stop it, and the latent's std grew 0.02 -> 8.5 in 10 steps
# (x1.9 per step); all four codebooks were down to one code by step 20.
INIT_FRAMES_PER_CODE = 4
# Dead codes (unused over this many steps) are replaced from the residuals of
# the last LATENT_BUFFER_STEPS batches: 200 steps are ~51000 frames at the
# default batch, 50 per code if all were used evenly. Measured at 50 steps: half
# of each layer-0 codebook and two thirds of each layer-1 codebook counted as
# dead at every check (~700 codes moved per 50 steps), a churn the decoder had
# to keep relearning; a code unused for 200 steps is really dead.
REINIT_EVERY = 200
# Adam moves a parameter by about lr per step whatever its gradient, so at the
# base lr a codeword moves ~2e-4 per step while the latent frames it serves
# moved by ~0.05 per step in the first autoencoder steps; 10x lets the used
# codewords follow (an estimate, not a tuned value).
CODEBOOK_LR_SCALE = 10.0
LATENT_BUFFER_STEPS = 8

LOG_COLUMNS = ["step", "elapsed_s", "s_per_step", "lr", "mel", "stft", "vq", "adv", "fm", "disc",
               "level", "intel"]
VALID_COLUMNS = ["step", "elapsed_s", "logmel", "si_sdr", "best_logmel", "level_db",
                 "intelligibility"]


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python3 -m hificodec_torch.train",
        description="Train a hificodec model; rerun the same command to resume RUN_DIR.")
    ap.add_argument("--config", required=True, help="built-in config name or JSON file")
    ap.add_argument("--out", required=True, metavar="RUN_DIR", help="run folder (created)")
    ap.add_argument("--data", default=DEFAULT_DIR,
                    help=f"speech corpus with train/, valid/, manifest.tsv (default {DEFAULT_DIR}),"
                         " or a pack of it (.npz, tools/pack-train-data)")
    ap.add_argument("--max-minutes", type=float, help="stop (checkpointed) after this long")
    ap.add_argument("--max-steps", type=int, help="stop at this total step count")
    for name, value in DEFAULTS.items():
        if name in ("disc", "augment", "train", "source_weights"):
            continue  # below, with their own help
        ap.add_argument("--" + name.replace("_", "-"), type=type(value), default=None,
                        help=f"default {value}" + ("; a resumed run may change it"
                                                   if name in MAY_CHANGE else ""))
    ap.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    ap.add_argument("--disc", choices=DISC_KINDS, default=None,
                    help=f"the adversary (default {DEFAULTS['disc']}; kept in the checkpoint)")
    ap.add_argument("--train", choices=("all", "generator"), default=None,
                    help="what learns: all (default) or the generator alone, with the encoder "
                         "and codebooks frozen (kept in the checkpoint)")
    ap.add_argument("--augment", default=None, metavar="KIND:P,...",
                    help="crop augmentation: noise, eq, reverb, each with a probability, e.g. "
                         "noise:0.5,eq:0.3,reverb:0.2 (default none; a resumed run may change it)")
    ap.add_argument("--source-weights", default=None, metavar="SOURCE:W,...",
                    help="draw crops from these corpus sources (train/SOURCE/) W times as often "
                         "as their length alone would, e.g. precise:4 (default none; kept in the "
                         "checkpoint)")
    ap.add_argument("--noise", default=DEFAULT_NOISE_DIR,
                    help=f"noise recordings for --augment noise: a folder of 16 kHz FLAC/WAV "
                         f"or a pack with a noise split (default {DEFAULT_NOISE_DIR})")
    ap.add_argument("--device", default="cpu",
                    help="torch device: cpu (default) or cuda; the checkpoint and the model "
                         "files are the same either way, so a run can move between them")
    ap.add_argument("--log-every", type=int, default=10, help="steps per log line (default 10)")
    ap.add_argument("--eval-every", type=int, default=500,
                    help="steps per validation and model export (default 500)")
    ap.add_argument("--valid-files", type=int, default=DEFAULT_VALID_FILES,
                    help=f"validation utterances, spread over valid/ "
                         f"(default {DEFAULT_VALID_FILES}; 0: all)")
    ap.add_argument("--checkpoint-minutes", type=float, default=10.0,
                    help="minutes between checkpoints (default 10)")
    ap.add_argument("--limit-files", type=int, help="only the first N files of each split "
                    "(quick trials and tests)")
    ap.add_argument("--init-from", metavar="MODEL",
                    help="a new run starts from this model file's weights, codebooks included "
                         "(quantization from step 0; optimizer state starts fresh): how a later "
                         "session continues from the shipped model. A model whose decoder "
                         "alone differs gives the tensors that match by name and shape")
    return ap.parse_args(argv)


def _hparams(args: argparse.Namespace, saved: Optional[dict]) -> dict:
    given = {k: getattr(args, k) for k in DEFAULTS if getattr(args, k) is not None}
    if saved is None:
        return {**DEFAULTS, **given}
    # A checkpoint from before a hyperparameter existed ran with its default.
    saved = {**DEFAULTS, **saved}
    for k, v in given.items():
        if v != saved[k]:
            if k not in MAY_CHANGE:
                raise SystemExit(f"error: {args.out} was started with --{k.replace('_', '-')} "
                                 f"{saved[k]}; use a new --out for {v}")
            print(f"resume: {k} {saved[k]} -> {v}", flush=True)
    return {**saved, **given}


def _append_tsv(path: str, columns: List[str], row: Dict[str, object]) -> None:
    """Appends row under path's header, written from columns when path is new.
    A run resumed by a trainer with other columns keeps its file's: a column
    the file lacks is left out and one the row lacks is nan, so that every row
    lines up with the header."""
    if os.path.exists(path):
        with open(path) as f:
            columns = f.readline().rstrip("\n").split("\t")
        header = ""
    else:
        header = "\t".join(columns) + "\n"
    with open(path, "a") as f:
        f.write(header + "\t".join(_fmt(row.get(c, float("nan"))) for c in columns) + "\n")


def _fmt(v) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


class Trainer:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.ckpt_path = os.path.join(args.out, "checkpoint.pt")
        self.device = torch.device(args.device)
        # Loaded on the CPU, then moved with the modules and optimizers: a run
        # started on a GPU resumes here and the other way round.
        saved = (torch.load(self.ckpt_path, map_location="cpu", weights_only=False)
                 if os.path.exists(self.ckpt_path) else None)
        self.cfg = load_config(args.config)
        if saved is not None and saved["config"] != self.cfg.to_dict():
            raise SystemExit(f"error: {args.out} holds a run of another config; "
                             f"use a new --out for {args.config}")
        self.hp = _hparams(args, saved["hparams"] if saved else None)
        seed = self.hp["seed"]

        train = load_split(args.data, "train", args.limit_files)
        valid = load_split(args.data, "valid", args.limit_files)
        self.valid = [to_float(w) for _, w in spread(valid, args.valid_files)]
        spec = augment.parse_spec(self.hp["augment"])
        noises = ([to_float(w) for _, w in load_noise(args.noise)] if spec.get("noise")
                  else None)
        self.sampler = CropSampler([w for _, w in train], seed,
                                   augment.Augmenter(spec, noises) if spec else None,
                                   source_factors([p for p, _ in train],
                                                  self.hp["source_weights"]))

        torch.manual_seed(seed)
        self.model = HiFiCodec(self.cfg).to(self.device)
        use_polyphase(self.model)
        self.disc = build_discriminator(self.hp["disc"]).to(self.device)
        self.spectral = SpectralLoss(self.cfg.sample_rate).to(self.device)
        self.intelligibility = IntelligibilityLoss(self.cfg.sample_rate).to(self.device)
        lr = self.hp["lr"]
        codebooks = list(self.model.quantizer.parameters())
        others = [p for n, p in self.model.named_parameters() if not n.startswith("quantizer.")]
        self.opt_g = torch.optim.AdamW([{"params": others},
                                        {"params": codebooks, "lr": lr * CODEBOOK_LR_SCALE}],
                                       lr, betas=ADAM_BETAS)
        self.opt_d = torch.optim.AdamW(self.disc.parameters(), lr, betas=ADAM_BETAS)
        self.sched_g = torch.optim.lr_scheduler.ExponentialLR(self.opt_g, self.hp["lr_decay"])
        self.sched_d = torch.optim.lr_scheduler.ExponentialLR(self.opt_d, self.hp["lr_decay"])
        self.gen = torch.Generator().manual_seed(seed + 1)
        q = self.cfg.quantizer
        self.usage = codebook_init.CodebookUsage(self.cfg.n_codebooks, q.codebook_size)
        self.latents = deque(maxlen=LATENT_BUFFER_STEPS)
        self.step = 0
        self.elapsed_before = 0.0
        self.best_logmel = float("inf")
        if saved is not None:
            self._load(saved)
        elif args.init_from:
            self._init_from(args.init_from)
        self.window: Dict[str, List[float]] = {}
        self.window_start = time.monotonic()
        self.window_steps = 0

    # -- checkpoint ---------------------------------------------------------

    def _state(self, elapsed: float) -> dict:
        return {
            "config": self.cfg.to_dict(), "hparams": self.hp, "step": self.step,
            "elapsed_s": elapsed, "best_logmel": self.best_logmel,
            "model": self.model.state_dict(), "disc": self.disc.state_dict(),
            "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
            "sched_g": self.sched_g.state_dict(), "sched_d": self.sched_d.state_dict(),
            "torch_rng": torch.get_rng_state(), "gen": self.gen.get_state(),
            "data_rng": self.sampler.state(), "usage": self.usage.state_dict(),
            "latents": list(self.latents),
        }

    def _load(self, s: dict) -> None:
        self.model.load_state_dict(s["model"])
        self.disc.load_state_dict(s["disc"])
        self.opt_g.load_state_dict(s["opt_g"])
        self.opt_d.load_state_dict(s["opt_d"])
        self.sched_g.load_state_dict(s["sched_g"])
        self.sched_d.load_state_dict(s["sched_d"])
        torch.set_rng_state(s["torch_rng"])
        self.gen.set_state(s["gen"])
        self.sampler.set_state(s["data_rng"])
        self.usage.load_state_dict(s["usage"])
        self.latents.extend(x.to(self.device) for x in s["latents"])
        self.step, self.elapsed_before = s["step"], s["elapsed_s"]
        self.best_logmel = s["best_logmel"]
        # A new base lr on resume scales every group (the codebooks keep their
        # multiple) and the schedule's decay so far carries over.
        factor = self.hp["lr"] / s["hparams"]["lr"]
        if factor != 1.0:
            for opt, sched in ((self.opt_g, self.sched_g), (self.opt_d, self.sched_d)):
                for group in opt.param_groups:
                    group["lr"] *= factor
                    group["initial_lr"] *= factor
                sched.base_lrs = [lr * factor for lr in sched.base_lrs]
                sched._last_lr = [group["lr"] for group in opt.param_groups]
        print(f"resumed {self.ckpt_path} at step {self.step}", flush=True)

    def _init_from(self, path: str) -> None:
        start = load_model_file(path, weight_norm=True)
        mine, theirs = self.cfg.to_dict(), start.config.to_dict()
        if mine != theirs:
            # Another decoder over the same encoder and codebooks (a new head,
            # say): the tokens keep their meaning, the generator's tensors of
            # the same name and shape are taken, and the rest start fresh.
            same = [k for k in mine if k not in ("name", "decoder")]
            if any(mine[k] != theirs[k] for k in same):
                raise SystemExit(f"error: {path} is not a model of {self.args.config} "
                                 f"(only its decoder may differ)")
            own = self.model.state_dict()
            taken = {k: v for k, v in start.state_dict().items()
                     if k in own and own[k].shape == v.shape}
            fresh = sorted(k for k in own if k not in taken)
            self.model.load_state_dict({**own, **taken})
            print(f"initialised {len(taken)} of {len(own)} tensors from {path}; fresh: "
                  f"{', '.join(fresh)}", flush=True)
        else:
            self.model.load_state_dict(start.state_dict())
        # Its codebooks are trained: no autoencoder phase, no k-means fit.
        self.hp["vq_start_step"] = -1
        print(f"initialised from {path}; quantization from step 0", flush=True)

    def save(self, elapsed: float) -> None:
        state = self._state(elapsed)
        write_atomic(self.ckpt_path, lambda f: torch.save(state, f))

    # -- training -----------------------------------------------------------

    def n_samples(self) -> int:
        # Whole frames, so the output is exactly as long as the input.
        hop = self.cfg.hop
        return max(1, round(self.hp["segment_seconds"] * self.cfg.sample_rate / hop)) * hop

    def batch(self) -> torch.Tensor:
        wav = torch.from_numpy(self.sampler.batch(self.hp["batch"], self.n_samples()))
        return wav.to(self.device)

    @torch.no_grad()
    def init_codebooks(self) -> None:
        t = time.monotonic()
        need = INIT_FRAMES_PER_CODE * self.cfg.quantizer.codebook_size
        frames = []
        while sum(f.shape[0] for f in frames) < need:
            latent = self.model.latent(self.batch())
            frames.append(latent.transpose(1, 2).reshape(-1, latent.shape[1]))
        codebook_init.init_codebooks(self.model.quantizer, torch.cat(frames)[:need], self.gen)
        seconds = time.monotonic() - t
        print(f"step {self.step}: codebooks fitted by k-means to {need} encoder frames "
              f"({seconds:.0f} s); quantization starts", flush=True)
        self.window_start += seconds  # not training time

    @contextlib.contextmanager
    def _warmup(self, opt: torch.optim.Optimizer):
        """opt's lrs scaled for one step during the lr warm-up, then restored,
        so the schedulers' own bookkeeping never sees the ramp."""
        n = self.hp["lr_warmup_steps"]
        if self.step >= n:
            yield
            return
        saved = [group["lr"] for group in opt.param_groups]
        for group in opt.param_groups:
            group["lr"] *= (self.step + 1) / n
        try:
            yield
        finally:
            for group, lr in zip(opt.param_groups, saved):
                group["lr"] = lr

    def train_step(self) -> None:
        if self.step == self.hp["vq_start_step"]:
            self.init_codebooks()
        wav = self.batch()
        frozen = self.hp["train"] == "generator"
        with torch.no_grad() if frozen else contextlib.nullcontext():
            latent = self.model.latent(wav)
        if frozen:
            with torch.no_grad():
                zq, _, codes = self.model.quantizer(latent)
            vq = latent.new_zeros(())
            self.usage.update(codes)
        elif self.step >= self.hp["vq_start_step"]:
            zq, vq, codes = self.model.quantizer(latent)
            self.usage.update(codes)
            self.latents.append(latent.detach())
        else:
            zq, vq = latent, latent.new_zeros(())
        wav_hat = self.model.generator(zq).squeeze(1)

        mel, stft, level = self.spectral(wav_hat, wav)
        loss = MEL_WEIGHT * mel + STFT_WEIGHT * stft + VQ_WEIGHT * vq
        if self.hp["level_weight"]:
            loss = loss + self.hp["level_weight"] * level
        logs = {"mel": mel.item(), "stft": stft.item(), "vq": vq.item(), "level": level.item()}
        if self.hp["intelligibility_weight"]:
            intel = self.intelligibility(wav_hat, wav)
            loss = loss + self.hp["intelligibility_weight"] * intel
            logs["intel"] = intel.item()
        if self.step >= self.hp["gan_start_step"]:
            real = self.disc(wav)
            loss_d = discriminator_loss(real, self.disc(wav_hat.detach()))
            self.opt_d.zero_grad()
            loss_d.backward()
            with self._warmup(self.opt_d):
                self.opt_d.step()
            self.sched_d.step()
            # The feature-matching targets are the real features from before
            # this update (detached): one discriminator pass fewer per step.
            self.disc.requires_grad_(False)
            fake = self.disc(wav_hat)
            self.disc.requires_grad_(True)
            adv, fm = generator_adv_loss(fake), feature_matching_loss(real, fake)
            if self.step >= self.hp["gan_start_step"] + self.hp["gan_warmup_steps"]:
                loss = loss + adv + FM_WEIGHT * fm
            logs.update(adv=adv.item(), fm=fm.item(), disc=loss_d.item())
        if not torch.isfinite(loss):
            raise FloatingPointError(f"step {self.step}: loss {loss.item()} ({logs}); "
                                     f"the last checkpoint is untouched")
        self.opt_g.zero_grad()
        loss.backward()
        with self._warmup(self.opt_g):
            self.opt_g.step()
        self.sched_g.step()
        self.step += 1

        if (self.step > self.hp["vq_start_step"] and self.step % REINIT_EVERY == 0
                and self.latents):
            frames = torch.cat([x.transpose(1, 2).reshape(-1, x.shape[1]) for x in self.latents])
            n = codebook_init.replace_dead_codes(self.model.quantizer, frames,
                                                 self.usage.take_dead(), self.gen, self.opt_g)
            logs["replaced"] = float(n)
        for k, v in logs.items():
            self.window.setdefault(k, []).append(v)
        self.window_steps += 1

    # -- reporting ----------------------------------------------------------

    def log(self, elapsed: float) -> None:
        now = time.monotonic()
        row = {"step": self.step, "elapsed_s": round(elapsed),
               "s_per_step": (now - self.window_start) / max(1, self.window_steps),
               "lr": self.sched_g.get_last_lr()[0]}
        for k in LOG_COLUMNS[4:]:
            row[k] = float(np.mean(self.window[k])) if k in self.window else float("nan")
        stats = self.usage.window_stats()
        columns = list(LOG_COLUMNS)
        for k, (used, ppl) in enumerate(stats):
            row[f"used{k}"], row[f"ppl{k}"] = used, ppl
            columns += [f"used{k}", f"ppl{k}"]
        _append_tsv(os.path.join(self.args.out, "log.tsv"), columns, row)
        replaced = sum(self.window.get("replaced", []))
        usage = " ".join(f"{u:.2f}/{p:.0f}" for u, p in stats)
        print(f"step {self.step} {row['s_per_step']:.2f} s/step lr {row['lr']:.3g} "
              f"mel {row['mel']:.4f} stft {row['stft']:.4f} vq {row['vq']:.4f} "
              f"level {row['level']:.3f}"
              + (f" intel {row['intel']:.4f}" if "intel" in self.window else "")
              + (f" adv {row['adv']:.3f} fm {row['fm']:.3f} disc {row['disc']:.3f}"
                 if "adv" in self.window else "")
              + (f" | used/ppl {usage}" if self.step > self.hp["vq_start_step"] else "")
              + (f" | replaced {replaced:.0f}" if replaced else ""),
              flush=True)
        self.window, self.window_start, self.window_steps = {}, now, 0

    def validate(self, elapsed: float) -> None:
        t = time.monotonic()
        m = evaluate(self.model, self.valid)
        out = self.args.out
        _export(self.model, os.path.join(out, "model.safetensors"))
        if m["logmel"] < self.best_logmel:
            self.best_logmel = m["logmel"]
            _export(self.model, os.path.join(out, "best.safetensors"))
        _append_tsv(os.path.join(out, "valid.tsv"), VALID_COLUMNS,
                    {"step": self.step, "elapsed_s": round(elapsed), "logmel": m["logmel"],
                     "si_sdr": m["si_sdr"], "best_logmel": self.best_logmel,
                     "level_db": m["level_db"], "intelligibility": m["intelligibility"]})
        print(f"valid step {self.step}: log-mel {m['logmel']:.4f} SI-SDR {m['si_sdr']:.2f} dB "
              f"level {m['level_db']:+.2f} dB (STOI+ESTOI)/2 {m['intelligibility']:.3f} "
              f"(best log-mel {self.best_logmel:.4f}; {len(self.valid)} utterances, "
              f"{time.monotonic() - t:.0f} s)", flush=True)
        # Validation time is not training time.
        self.window_start += time.monotonic() - t


def _export(model: HiFiCodec, path: str) -> None:
    """The model file (fp32); written whole or not at all (safetensors_io), so
    a C program loading it meanwhile never sees half a file."""
    save_model_file(model, path, "f32")


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.device.startswith("cuda"):
        # TF32 convolutions and matmuls: ~8x the fp32 rate on an H100, with a
        # 10-bit mantissa that the losses' noise floor is far above.
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    os.makedirs(args.out, exist_ok=True)
    trainer = Trainer(args)
    hp = trainer.hp
    print(f"{trainer.cfg.name}: batch {hp['batch']} x {trainer.n_samples()} samples, "
          f"lr {hp['lr']}, VQ from step {hp['vq_start_step']}, "
          f"GAN from step {hp['gan_start_step']}, seed {hp['seed']}, {args.threads} threads, "
          f"{args.device}",
          flush=True)

    stop = []
    handlers = {s: signal.signal(s, lambda signum, _frame: stop.append(signum))
                for s in (signal.SIGTERM, signal.SIGINT)}
    start = last_save = time.monotonic()

    def elapsed() -> float:
        return trainer.elapsed_before + time.monotonic() - start

    try:
        while not stop:
            if args.max_steps is not None and trainer.step >= args.max_steps:
                break
            if args.max_minutes is not None and time.monotonic() - start >= 60 * args.max_minutes:
                break
            if trainer.step == hp["gan_start_step"]:
                print(f"step {trainer.step}: adversarial training starts", flush=True)
            trainer.train_step()
            if trainer.step % args.log_every == 0:
                trainer.log(elapsed())
            if trainer.step % args.eval_every == 0:
                trainer.validate(elapsed())
            if time.monotonic() - last_save >= 60 * args.checkpoint_minutes:
                trainer.save(elapsed())
                last_save = time.monotonic()
        trainer.save(elapsed())
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)
    reason = f"signal {stop[0]}" if stop else "limit reached"
    print(f"stopped at step {trainer.step} ({reason}); checkpoint {trainer.ckpt_path}", flush=True)
    return 128 + stop[0] if stop else 0


if __name__ == "__main__":
    sys.exit(main())
