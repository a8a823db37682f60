"""Voice: speech recognition (Vosk), spoken replies (pyttsx3 on espeak-ng) and the keypad.

Audio flows through small processors, each in its own module:

- `audio`: int16 PCM helpers (resampling, frames, level, WAV files)
- `g711`: telephone coding (PCMU / PCMA) to and from PCM
- `models`, `fetch`: which Vosk model serves which language; fetching official models
- `endpoint`: end of an utterance from the signal's energy
- `asr`: one streaming recognizer per conversation over a shared model
- `tts`, `tts_worker`, `prompt_cache`: text to PCM in worker processes, fixed prompts cached
- `dtmf`: keypad digit strings (`#` / length / timeouts); `dtmf_tones`: keys sent as audio tones

The call and the dialogue:

- `call_io`: the boundary with a transport (caller events in, `CallOutput` out)
- `assistant`: the assistant's REST channel with signed caller ID; `replies`: a turn read for
  the phone; `phrases`: keys said aloud; `prompts`: what the session itself says
- `session`: one call (`VoiceSession`); `services`: what all calls of a process share
- `recorded`, `script`, `local`: recorded calls and `bot talk`

Nothing here imports Rasa: the assistant is reached over HTTP.
"""
