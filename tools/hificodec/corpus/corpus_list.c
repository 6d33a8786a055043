#include "corpus_list.h"

#include "error_text.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* What libsndfile (with its MP3 and Opus support) reads, and .npy audio is left out
 * on purpose: a token tree of .npy files inside the corpus must not be re-read. */
const char *const hfc_corpus_audio_extensions[] = {".wav", ".flac", ".ogg", ".oga", ".opus",
                                                   ".mp3", ".aiff", ".aif", ".au",  ".caf",
                                                   ".w64", ".rf64", NULL};
const char *const hfc_corpus_token_extensions[] = {".npy", ".hfc", NULL};

/* The manifest members that may hold the audio path, the first string wins:
 * NeMo's "audio_filepath", then the common short names. */
static const char *const manifest_keys[] = {"audio_filepath", "audio", "path", "file", "wav", NULL};

/* A growable array of items while listing. */
typedef struct item_array {
    hfc_corpus_item *items;
    size_t n_items, capacity;
    int failed; /* out of memory */
} item_array;

static hfc_corpus_item *item_new(item_array *array)
{
    if (array->n_items == array->capacity) {
        size_t grown = array->capacity ? 2 * array->capacity : 256;
        hfc_corpus_item *items = realloc(array->items, grown * sizeof *items);
        if (!items) {
            array->failed = 1;
            return NULL;
        }
        array->items = items;
        array->capacity = grown;
    }
    hfc_corpus_item *item = &array->items[array->n_items++];
    memset(item, 0, sizeof *item);
    return item;
}

static void item_free(hfc_corpus_item *item)
{
    free(item->source);
    free(item->key);
    free(item->output);
    free(item->error);
}

static char *format_string(const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + strlen(b) + 1;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, fmt, a, b);
    return out;
}

/* An item that only reports a problem; key decides which shard reports it. */
static void add_error(item_array *array, const char *key, const char *error)
{
    hfc_corpus_item *item = item_new(array);
    if (!item)
        return;
    item->key = strdup(key);
    item->error = strdup(error);
    if (!item->key || !item->error)
        array->failed = 1;
}

static int has_extension(const char *name, const char *const *extensions)
{
    const char *dot = strrchr(name, '.');
    for (int i = 0; dot && extensions[i]; i++)
        if (strcasecmp(dot, extensions[i]) == 0)
            return 1;
    return 0;
}

/* Lexically normalises a '/'-separated path in place: drops "." components and
 * empty ones, folds "name/.." pairs. Returns 1 when a ".." climbs above the start
 * of a relative path (it then stays in the result). */
static int normalize_path(char *path)
{
    int absolute = path[0] == '/';
    char *parts[512];
    int n_parts = 0, escapes = 0;
    char *save = NULL;
    for (char *part = strtok_r(path, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
        if (strcmp(part, ".") == 0)
            continue;
        if (strcmp(part, "..") == 0) {
            if (n_parts > 0 && strcmp(parts[n_parts - 1], "..") != 0) {
                n_parts--;
                continue;
            }
            if (absolute)
                continue; /* "/.." is "/" */
            escapes = 1;
        }
        if (n_parts < 512)
            parts[n_parts++] = part;
    }
    /* Rebuild left to right: each part lies at or after its destination. */
    char *out = path;
    if (absolute)
        *out++ = '/';
    for (int i = 0; i < n_parts; i++) {
        size_t n = strlen(parts[i]);
        memmove(out, parts[i], n);
        out += n;
        if (i + 1 < n_parts)
            *out++ = '/';
    }
    *out = '\0';
    return escapes;
}

/* OUTDIR/key with key's extension replaced. */
static char *output_for(const char *key, const hfc_corpus_list_options *options)
{
    const char *slash = strrchr(key, '/');
    const char *dot = strrchr(key, '.');
    size_t stem = dot && (!slash || dot > slash) && dot != key && dot[-1] != '/'
                      ? (size_t)(dot - key)
                      : strlen(key);
    size_t n = strlen(options->out_dir) + 1 + stem + strlen(options->out_extension) + 1;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s/%.*s%s", options->out_dir, (int)stem, key, options->out_extension);
    return out;
}

static int64_t file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

static void add_file(item_array *array, const char *source, const char *key)
{
    hfc_corpus_item *item = item_new(array);
    if (!item)
        return;
    item->source = strdup(source);
    item->key = strdup(key);
    item->n_bytes = file_bytes(source);
    if (!item->source || !item->key)
        array->failed = 1;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct walk {
    item_array *array;
    const hfc_corpus_list_options *options;
    struct stat out_dir; /* skipped if met inside the corpus */
    int have_out_dir;
    size_t root_chars; /* the key is the path after root + '/' */
} walk;

static int walk_folder(walk *w, const char *folder, char *err, size_t err_bytes)
{
    DIR *dir = opendir(folder);
    if (!dir)
        return hfc_cli_fail(err, err_bytes, "%s: cannot open the folder: %s", folder,
                            strerror(errno));
    char **names = NULL;
    size_t n_names = 0, capacity = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') /* ., .., hidden files, our own .part- files */
            continue;
        if (n_names == capacity) {
            capacity = capacity ? 2 * capacity : 64;
            char **grown = realloc(names, capacity * sizeof *names);
            if (!grown)
                break;
            names = grown;
        }
        if ((names[n_names] = strdup(entry->d_name)) != NULL)
            n_names++;
    }
    closedir(dir);
    if (n_names > 0)
        qsort(names, n_names, sizeof *names, compare_names);
    int result = 0;
    for (size_t i = 0; i < n_names; i++) {
        char *path = format_string("%s/%s", folder, names[i]);
        struct stat link_st, st;
        if (!path) {
            w->array->failed = 1;
        } else if (lstat(path, &link_st) == 0 && S_ISDIR(link_st.st_mode)) {
            int is_out_dir = w->have_out_dir && link_st.st_dev == w->out_dir.st_dev &&
                             link_st.st_ino == w->out_dir.st_ino;
            if (!is_out_dir && result == 0)
                result = walk_folder(w, path, err, err_bytes);
        } else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
                   has_extension(names[i], w->options->extensions)) {
            add_file(w->array, path, path + w->root_chars);
        }
        free(path);
        free(names[i]);
    }
    free(names);
    return result;
}

/* Adds one path named in a list or manifest, relative to the list's folder. */
static void add_listed(item_array *array, const char *base_dir, const char *named)
{
    char *source = named[0] == '/' || strcmp(base_dir, ".") == 0
                       ? strdup(named)
                       : format_string("%s/%s", base_dir, named);
    char *key = named[0] == '/' ? NULL : strdup(named);
    if (!source || (named[0] != '/' && !key)) {
        array->failed = 1;
        free(source);
        free(key);
        return;
    }
    if (!key || normalize_path(key) || key[0] == '\0') {
        /* Outside the list's folder: mirror the absolute path. */
        free(key);
        char cwd[4096];
        key = source[0] == '/' ? strdup(source)
                               : format_string("%s/%s", getcwd(cwd, sizeof cwd) ? cwd : "", source);
        if (!key) {
            array->failed = 1;
            free(source);
            return;
        }
        normalize_path(key);
        memmove(key, key + 1, strlen(key)); /* drop the leading '/' */
    }
    add_file(array, source, key);
    free(source);
    free(key);
}

/* The path a manifest line names, or NULL with a reason in why. */
static char *manifest_path(const char *line, const char **why)
{
    cJSON *object = cJSON_Parse(line);
    char *path = NULL;
    *why = "is not a JSON object";
    if (object && cJSON_IsObject(object)) {
        *why = "has no \"audio_filepath\", \"audio\", \"path\", \"file\" or \"wav\" string";
        for (int i = 0; manifest_keys[i] && !path; i++) {
            cJSON *member = cJSON_GetObjectItemCaseSensitive(object, manifest_keys[i]);
            if (cJSON_IsString(member) && member->valuestring[0] != '\0')
                path = strdup(member->valuestring);
        }
    }
    cJSON_Delete(object);
    return path;
}

static int ends_with(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcasecmp(text + n - m, suffix) == 0;
}

static int read_list(item_array *array, const char *list_path, char *err, size_t err_bytes)
{
    FILE *file = fopen(list_path, "r");
    if (!file)
        return hfc_cli_fail(err, err_bytes, "%s: cannot open: %s", list_path, strerror(errno));
    char *base_dir = strdup(list_path);
    if (!base_dir) {
        fclose(file);
        return hfc_cli_fail(err, err_bytes, "out of memory");
    }
    char *slash = strrchr(base_dir, '/');
    if (slash)
        slash == base_dir ? (void)(slash[1] = '\0') : (void)(*slash = '\0');
    else
        strcpy(base_dir, ".");
    const int is_manifest = ends_with(list_path, ".jsonl");
    char *line = NULL;
    size_t line_capacity = 0;
    ssize_t n_chars;
    long line_number = 0;
    while ((n_chars = getline(&line, &line_capacity, file)) >= 0 && !array->failed) {
        line_number++;
        while (n_chars > 0 && (line[n_chars - 1] == '\n' || line[n_chars - 1] == '\r' ||
                               line[n_chars - 1] == ' ' || line[n_chars - 1] == '\t'))
            line[--n_chars] = '\0';
        const char *text = line;
        while (*text == ' ' || *text == '\t')
            text++;
        if (*text == '\0' || (!is_manifest && *text == '#'))
            continue;
        if (!is_manifest) {
            add_listed(array, base_dir, text);
            continue;
        }
        const char *why;
        char *path = manifest_path(text, &why);
        if (path) {
            add_listed(array, base_dir, path);
            free(path);
        } else {
            char where[64], message[256];
            snprintf(where, sizeof where, "line %ld", line_number);
            snprintf(message, sizeof message, "%s: line %ld %s", list_path, line_number, why);
            add_error(array, where, message);
        }
    }
    int read_failed = ferror(file);
    free(line);
    free(base_dir);
    fclose(file);
    if (read_failed)
        return hfc_cli_fail(err, err_bytes, "%s: read error", list_path);
    return 0;
}

static int compare_outputs(const void *a, const void *b)
{
    const hfc_corpus_item *x = a, *y = b;
    if (!x->output || !y->output)
        return x->output ? -1 : y->output ? 1 : strcmp(x->key, y->key);
    int by_output = strcmp(x->output, y->output);
    return by_output ? by_output : strcmp(x->key, y->key);
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp(((const hfc_corpus_item *)a)->key, ((const hfc_corpus_item *)b)->key);
}

/* Outputs, and the error of every input whose output another input takes: decided
 * over the whole corpus, before sharding, so that no two shards write one file. */
static void assign_outputs(item_array *array, const hfc_corpus_list_options *options)
{
    for (size_t i = 0; i < array->n_items; i++) {
        hfc_corpus_item *item = &array->items[i];
        if (item->error)
            continue;
        if (!(item->output = output_for(item->key, options)))
            array->failed = 1;
    }
    if (array->n_items > 1)
        qsort(array->items, array->n_items, sizeof *array->items, compare_outputs);
    for (size_t i = 1; i < array->n_items; i++) {
        hfc_corpus_item *first = &array->items[i - 1], *item = &array->items[i];
        if (!item->output || !first->output || strcmp(first->output, item->output) != 0)
            continue;
        /* The first of the group keeps the output; point every later one at it. */
        size_t j = i - 1;
        while (array->items[j].error)
            j--;
        item->error =
            format_string("%s: has the same output as %s", item->source, array->items[j].source);
        if (!item->error)
            array->failed = 1;
    }
}

int hfc_corpus_list_build(const char *input, const hfc_corpus_list_options *options,
                          hfc_corpus_list *list, char *err, size_t err_bytes)
{
    memset(list, 0, sizeof *list);
    if (options->n_shards < 1 || options->shard < 0 || options->shard >= options->n_shards)
        return hfc_cli_fail(err, err_bytes, "shard %d/%d is not in 0..%d", options->shard,
                            options->n_shards, options->n_shards - 1);
    struct stat st;
    if (stat(input, &st) != 0)
        return hfc_cli_fail(err, err_bytes, "%s: %s", input, strerror(errno));
    item_array array = {0};
    int result;
    if (S_ISDIR(st.st_mode)) {
        walk w = {&array, options, {0}, 0, 0};
        w.have_out_dir = stat(options->out_dir, &w.out_dir) == 0;
        /* "corpus/" and "corpus" give the same keys. */
        char *root = strdup(input);
        if (root) {
            size_t n = strlen(root);
            while (n > 1 && root[n - 1] == '/')
                root[--n] = '\0';
            w.root_chars = n + 1;
            result = walk_folder(&w, root, err, err_bytes);
            free(root);
        } else {
            result = hfc_cli_fail(err, err_bytes, "out of memory");
        }
    } else {
        result = read_list(&array, input, err, err_bytes);
    }
    if (result == 0)
        assign_outputs(&array, options);
    if (result == 0 && array.failed)
        result = hfc_cli_fail(err, err_bytes, "out of memory listing %s", input);
    /* Keep this shard's items. */
    size_t kept = 0;
    for (size_t i = 0; i < array.n_items; i++) {
        hfc_corpus_item *item = &array.items[i];
        if (result == 0 && hfc_corpus_shard_of(item->key, options->n_shards) == options->shard)
            array.items[kept++] = *item;
        else
            item_free(item);
    }
    if (kept > 1)
        qsort(array.items, kept, sizeof *array.items, compare_keys);
    if (result != 0) {
        free(array.items);
        return result;
    }
    list->items = array.items;
    list->n_items = kept;
    return 0;
}

void hfc_corpus_list_free(hfc_corpus_list *list)
{
    for (size_t i = 0; i < list->n_items; i++)
        item_free(&list->items[i]);
    free(list->items);
    memset(list, 0, sizeof *list);
}

int hfc_corpus_shard_of(const char *key, int n_shards)
{
    /* FNV-1a, 64 bits: simple, documented, the same in any language. */
    uint64_t hash = 0xcbf29ce484222325u;
    for (const unsigned char *c = (const unsigned char *)key; *c; c++)
        hash = (hash ^ *c) * 0x100000001b3u;
    return (int)(hash % (uint64_t)n_shards);
}

int hfc_corpus_parse_shard(const char *text, int *shard, int *n_shards)
{
    char *end;
    errno = 0;
    long k = strtol(text, &end, 10);
    if (end == text || *end != '/' || errno)
        return -1;
    const char *rest = end + 1;
    long n = strtol(rest, &end, 10);
    if (end == rest || *end != '\0' || errno || n < 1 || n > 1000000 || k < 0 || k >= n)
        return -1;
    *shard = (int)k;
    *n_shards = (int)n;
    return 0;
}
