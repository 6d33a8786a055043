/*
 * corpus_list.h - the files a corpus run works on (hificodec tokenize/detokenize
 * and the Python package's Dask mapping), from a folder, a file list or a JSONL
 * manifest, each with the output path it mirrors to and the shard it falls in.
 *
 * Names: every input gets a key, the path the output tree mirrors it under:
 *   - a folder is walked recursively (in name order; hidden files and folders
 *     skipped, symlinked folders not followed) for files with one of the wanted
 *     extensions; the key is the path below the folder;
 *   - a file list (any other file: one path per line; blank lines and lines
 *     starting with '#' skipped) or a JSONL manifest (a ".jsonl" file: one JSON
 *     object per line, the path in its "audio_filepath", "audio", "path", "file" or
 *     "wav" member, the first that is a string) names files relative to the list's
 *     own folder; the key is that relative path, or for a path that leads outside
 *     the folder (absolute or through ".."), the absolute path without its leading
 *     "/".
 * The output is OUTDIR/key with the extension replaced by out_extension.
 *
 * Shards: item i belongs to shard FNV-1a-64(key) mod n_shards, so the partition
 * depends on nothing but the names: every shard of a Slurm array agrees on it,
 * and adding files to a corpus moves no other file to another shard.
 */
#ifndef HFC_CORPUS_LIST_H
#define HFC_CORPUS_LIST_H

#include <stddef.h>
#include <stdint.h>

typedef struct hfc_corpus_item {
    char *source;    /* the file to read */
    char *key;       /* its name below the corpus root, as mirrored */
    char *output;    /* OUTDIR/key with the output extension */
    int64_t n_bytes; /* the source's size (0 if it cannot be read) */
    char *error;     /* non-NULL: a listing problem to report (a bad manifest
                        line, two inputs with one output); source may be NULL */
} hfc_corpus_item;

typedef struct hfc_corpus_list {
    hfc_corpus_item *items; /* sorted by key */
    size_t n_items;
} hfc_corpus_list;

typedef struct hfc_corpus_list_options {
    const char *const *extensions; /* lower-case, with the dot, NULL-terminated: what a
                                      folder walk takes (".flac", ".wav", ...) */
    const char *out_dir;
    const char *out_extension; /* ".npy", ".wav", ... */
    int shard;                 /* this shard, 0 <= shard < n_shards */
    int n_shards;              /* 1: everything */
} hfc_corpus_list_options;

/* The audio files tokenize looks for in a folder, and the token files detokenize
 * looks for. */
extern const char *const hfc_corpus_audio_extensions[];
extern const char *const hfc_corpus_token_extensions[];

/* Lists input (a folder, a file list or a .jsonl manifest) into *list, keeping the
 * items of the options' shard. Returns 0, or -1 with one line in err when the input
 * itself cannot be read (its entries' problems become items with error set). */
int hfc_corpus_list_build(const char *input, const hfc_corpus_list_options *options,
                          hfc_corpus_list *list, char *err, size_t err_bytes);

void hfc_corpus_list_free(hfc_corpus_list *list);

/* The shard key belongs to out of n_shards. */
int hfc_corpus_shard_of(const char *key, int n_shards);

/* Parses "K/N" (0 <= K < N). Returns 0, or -1. */
int hfc_corpus_parse_shard(const char *text, int *shard, int *n_shards);

#endif
