#!/usr/bin/env bash
# Generates the sample HLS stream the player page plays by default:
#
#   media/sample/master.m3u8             multi-rendition master playlist
#   media/sample/v360p/index.m3u8 + seg_NNN.ts   640x360,  ~800 kbps
#   media/sample/v720p/index.m3u8 + seg_NNN.ts   1280x720, ~2800 kbps
#
# H.264 baseline + AAC, 2 s segments, 30 s VOD, MPEG-TS segments. The picture is
# ffmpeg's testsrc2 with a running timestamp and the rendition name drawn on it
# when ffmpeg's drawtext filter works here (it needs fontconfig and a font);
# otherwise plain testsrc2.
#
# Idempotent: does nothing when media/sample/master.m3u8 already exists, unless --force.
# Writes into a temporary folder and moves it into place, so an interrupted run
# never leaves a half-made stream that looks finished.
#
# Usage: scripts/make-sample-media.sh [--force] [--out DIR] [--duration SECONDS]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/media/sample"
force=0
duration=30

while [[ $# -gt 0 ]]; do
  case "$1" in
    --force) force=1; shift ;;
    --out) out="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "make-sample-media: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [[ -f "$out/master.m3u8" && $force -eq 0 ]]; then
  echo "make-sample-media: $out/master.m3u8 exists, nothing to do (use --force to regenerate)"
  exit 0
fi

if ! command -v ffmpeg >/dev/null 2>&1; then
  echo "make-sample-media: ffmpeg is not installed (Debian: apt-get install -y ffmpeg)" >&2
  exit 1
fi

# Does drawtext work without naming a font file? (fontconfig must find a default font.)
overlay=0
if ffmpeg -hide_banner -loglevel error -f lavfi -i testsrc2=size=64x64:rate=1:duration=1 \
     -vf "drawtext=text='x':fontsize=12" -f null - >/dev/null 2>&1; then
  overlay=1
fi

label() { # $1 = rendition name, $2 = font size
  if [[ $overlay -eq 1 ]]; then
    printf ",drawtext=text='streampulse sample %s  %%{pts\\:hms}':fontsize=%s:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=8:x=(w-text_w)/2:y=h-text_h-24" "$1" "$2"
  fi
}

parent="$(dirname "$out")"
mkdir -p "$parent"
tmp="$(mktemp -d "$parent/.sample.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/v360p" "$tmp/v720p"

filter="[0:v]split=2[a][b];[a]scale=640:360$(label 360p 20)[v360];[b]scale=1280:720$(label 720p 40)[v720]"

ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=$duration" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$duration" \
  -filter_complex "$filter" \
  -map "[v360]" -map "[v720]" -map 1:a -map 1:a \
  -c:v libx264 -profile:v baseline -preset veryfast -pix_fmt yuv420p \
  -g 60 -keyint_min 60 -sc_threshold 0 \
  -b:v:0 800k -maxrate:v:0 856k -bufsize:v:0 1200k \
  -b:v:1 2800k -maxrate:v:1 2996k -bufsize:v:1 4200k \
  -c:a aac -b:a 128k -ac 2 \
  -f hls -hls_time 2 -hls_playlist_type vod -hls_segment_type mpegts \
  -hls_segment_filename "$tmp/v%v/seg_%03d.ts" -master_pl_name master.m3u8 \
  -var_stream_map "v:0,a:0,name:360p v:1,a:1,name:720p" "$tmp/v%v/index.m3u8"

if [[ ! -f "$tmp/master.m3u8" ]]; then
  echo "make-sample-media: ffmpeg did not write $tmp/master.m3u8" >&2
  exit 1
fi

rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
chmod 755 "$out"
segments=$(find "$out" -name '*.ts' | wc -l)
echo "make-sample-media: wrote $out (master.m3u8, v360p/, v720p/; $segments segments; overlay=$([[ $overlay -eq 1 ]] && echo timestamp || echo none))"
