"""Audio: clips of an audio-gan run by seed (and digit label), and an enhance run's output for an uploaded
clip or a test clip with white noise at a chosen SNR; each clip as a spectrogram image and a WAV player."""
from __future__ import annotations

import base64

import torch
from starlette.responses import JSONResponse
from starlette.routing import Route

from genlab.errors import GenlabError
from genlab.studio.http import api, cancellable, data_url, in_thread, json_body, number, read_body

MAX_CLIPS = 64            # clips generated in one request
MAX_TEST_CLIPS = 64       # test clips the page can pick from
MAX_AUDIO_BYTES = 16 * 1024 * 1024  # an uploaded audio file; larger bodies are refused before they are read whole
MAX_SECONDS = 60.0        # what the page enhances in one request (longer: `genlab enhance`)


def clip_view(audio: torch.Tensor, sample_rate: int) -> dict:
    """{"wav": a data: URL of the 16-bit WAV, "spectrogram": a data: URL of its PNG} of one clip (T,)."""
    from genlab.apps.audio import spectrogram_image
    from genlab.data.audio import wav_bytes

    wav = "data:audio/wav;base64," + base64.b64encode(wav_bytes(audio, sample_rate)).decode()
    return {"wav": wav, "spectrogram": data_url(spectrogram_image(audio))}


GENERATORS = ("audio-gan", "mel-vae")  # runs whose sample() makes clips


def _check_family(run, families: tuple[str, ...], what: str) -> None:
    if run.config.family not in families:
        raise GenlabError(f"{what} needs an {' or '.join(families)} run; '{run.path.name}' is a "
                          f"{run.config.family} run")


def page(studio):
    from genlab.apps.audio import add_white_noise, decode_audio, enhance_clip, held_out_clips, si_sdr_report
    from genlab.apps.sample import parse_range_list, parse_seeds, sample_seeds
    from genlab.data.audio import wav_bytes
    from genlab.studio.pages import Page

    @api
    async def clips(request):
        q = request.query_params
        seeds = parse_seeds(q.get("seeds") or "0-7")
        if len(seeds) > MAX_CLIPS:
            raise GenlabError(f"seeds '{q.get('seeds')}' name {len(seeds)} clips; the studio plays at most {MAX_CLIPS}")
        labels = parse_range_list(q["labels"], "labels") if q.get("labels") else None

        def go(cancel):
            run = studio.run(request.path_params["run"])
            _check_family(run, GENERATORS, "generating clips")
            with studio.lock:
                audio = sample_seeds(run.model, seeds, labels, batch_size=16, cancel=cancel)
            asked = labels or (list(range(run.model.num_classes)) if run.model.num_classes else None)
            rate = run.model.sample_rate
            return {"sample_rate": rate, "seconds": audio.shape[-1] / rate,
                    "clips": [{"seed": s, "label": asked[i % len(asked)] if asked else None, **clip_view(audio[i, 0], rate)}
                              for i, s in enumerate(seeds)]}
        return JSONResponse(await cancellable(request, go))

    @api
    async def upload(request):
        data = await read_body(request, MAX_AUDIO_BYTES)
        audio = await in_thread(decode_audio, data, max_seconds=MAX_SECONDS)
        # kept as the decoded 16 kHz mono WAV: smaller than most originals, and read back the same way
        upload_id = studio.add_upload(await in_thread(wav_bytes, audio))
        return JSONResponse({"id": upload_id, "seconds": len(audio) / 16_000}, status_code=201)

    @api
    async def enhance(request):
        body = await json_body(request)
        source = body.get("source")
        snr = number(body.get("snr"), "snr", float, -20, 40, default=5.0)
        seed = number(body.get("seed"), "seed", int, 0, 2**31, default=0)
        if not isinstance(source, dict) or not ({"test", "upload"} & source.keys()):
            raise GenlabError('"source" must be {"test": INDEX} or {"upload": ID}')

        def go(cancel):
            run = studio.run(request.path_params["run"])
            _check_family(run, ("enhance",), "enhancing")
            clean, label = None, None
            if "test" in source:
                i = number(source["test"], "source.test", int, 0, MAX_TEST_CLIPS - 1)
                clips, labels = held_out_clips(run.config, i + 1)
                if i >= len(clips):
                    raise GenlabError(f"test clip {i} does not exist; the run's data has {len(clips)}")
                clean = clips[i, 0]
                label = int(labels[i]) if labels is not None else None
                noisy, note = add_white_noise(clean, snr, seed), f"test clip {i} + white noise at {snr:g} dB SNR"
            else:
                noisy = decode_audio(studio.upload(source["upload"]), max_seconds=MAX_SECONDS)
                note = "upload"
            with studio.lock:
                enhanced = enhance_clip(lambda x: run.model.enhance(x), noisy, cancel=cancel)
            rate = run.model.sample_rate
            out = {"noisy": clip_view(noisy, rate), "enhanced": clip_view(enhanced, rate), "seconds": len(noisy) / rate,
                   "note": note, "label": label, "si_sdr": None, "clean": None}
            if clean is not None:
                out["clean"] = clip_view(clean, rate)
                out["si_sdr"] = si_sdr_report(noisy, enhanced, clean)
            return out
        return JSONResponse(await cancellable(request, go))

    return Page("audio", "Audio", [Route("/api/runs/{run}/clips", clips),
                                  Route("/api/audio-uploads", upload, methods=["POST"]),
                                  Route("/api/runs/{run}/enhance", enhance, methods=["POST"])],
                families=(*GENERATORS, "enhance"))
