/*
 * The schema loader (see schema.h): reads IIS schema files into one tree of
 * section, element, attribute and collection definitions held in one arena.
 *
 * The format, as this file reads it (docs/schema-loading.md explains the
 * choices):
 *
 *   <configSchema>                       the root; its children are sections
 *     <sectionSchema name="a/b"          an element schema with a full name
 *         allowUnrecognizedAttributes="bool">
 *       <attribute name= type= ...>      type: bool enum flags uint int int64
 *         <enum name= value=/>            string timeSpan; value is decimal
 *         <flag name= value=/>            (possibly negative) or 0x hex;
 *       </attribute>                      <flags> is accepted like <flag>
 *       <element name= isCollectionDefault= allowUnrecognizedAttributes=
 *           extension=>                  attribute, element, collection
 *       <collection addElement="a[,b]" removeElement= clearElement=
 *           defaultElement= mergeAppend= allowDuplicates=
 *           allowUnrecognizedAttributes=>  the add item: attribute, element,
 *                                          collection
 *       <method ...>                     runtime extension methods: skipped
 *
 * Every declaration is merged into what earlier ones built: a section, an
 * element or a collection met again gains what it lacked, and an attribute
 * already present keeps its first definition. The same rule merges the
 * sections that several files declare (rscaext.xml), the elements declared
 * twice in one file and the second <collection> of an element (FX_schema's
 * system.web/profile properties has an "add" and a "group" collection).
 *
 * Unknown metadata attributes are ignored, because the real files carry
 * misspelt ones (defaultvalue, mergeElement) that IIS ignores too. Unknown
 * elements, unknown types and malformed values are errors that name the file
 * and the line.
 */
#include "schema.h"

#include "xml.h"

#include "apphost/errors.h"
#include "util/fs.h"
#include "util/str.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Far deeper than any real schema (they nest about eight levels); the limit
 * keeps hostile input from exhausting the stack. */
#define MAX_DEPTH 64

typedef struct loader {
	ah_schema *s;
	const char *path; /* the file being read */
} loader;

static int oom(void)
{
	return ah_error_set(AH_ENOMEM, 0, NULL, 0, "Not enough memory");
}

static int bad(const loader *L, const ah_xnode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A grammar error at node n of the current file. */
static int bad(const loader *L, const ah_xnode *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ah_error_set(AH_ECONFIG, AH_HR_INVALID_DATA, L->path, n ? n->line : 0, "%s",
			    msg);
}

static const char *copy_str(loader *L, const char *s)
{
	return ah_arena_strdup(L->s->arena, s);
}

/* A copy of the n pointers of old with room for extra more, in the arena. */
static void *grow(ah_arena *a, const void *old, size_t n, size_t extra, size_t size)
{
	void *p = ah_arena_alloc(a, (n + extra) * size);
	if (p && n)
		memcpy(p, old, n * size);
	return p;
}

static size_t count_children(const ah_xnode *n, const char *name)
{
	size_t k = 0;
	for (const ah_xnode *c = n->first; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			k++;
	return k;
}

/* Read a true/false metadata attribute into *out; absent leaves *out alone. */
static int get_bool(const loader *L, const ah_xnode *n, const char *key, bool *out)
{
	const char *v = ah__xml_attr(n, key);
	if (!v)
		return 0;
	if (ah_strcaseeq(v, "true"))
		*out = true;
	else if (ah_strcaseeq(v, "false"))
		*out = false;
	else
		return bad(L, n,
			   "The value '%s' of the schema attribute '%s' must be true or false", v,
			   key);
	return 0;
}

/* ---- attributes ---------------------------------------------------------- */

static const struct {
	const char *name;
	ah_type type;
} type_names[] = {
	{"string", AH_T_STRING}, {"bool", AH_T_BOOL},   {"enum", AH_T_ENUM},
	{"flags", AH_T_FLAGS},   {"uint", AH_T_UINT},   {"int", AH_T_INT},
	{"int64", AH_T_INT64},   {"timeSpan", AH_T_TIMESPAN},
};

static const struct {
	const char *name;
	ah_tsformat format;
} ts_names[] = {
	{"string", AH_TS_STRING},
	{"seconds", AH_TS_SECONDS},
	{"minutes", AH_TS_MINUTES},
};

static const struct {
	const char *name;
	ah_validator v;
} validator_names[] = {
	{"integerRange", AH_V_INTEGER_RANGE},
	{"timeSpanRange", AH_V_TIMESPAN_RANGE},
	{"nonEmptyString", AH_V_NON_EMPTY_STRING},
	{"requireTrimmedString", AH_V_REQUIRE_TRIMMED_STRING},
	{"applicationPoolName", AH_V_APP_POOL_NAME},
	{"siteName", AH_V_SITE_NAME},
	{"applicationPath", AH_V_APPLICATION_PATH},
	{"virtualDirectoryPath", AH_V_VDIR_PATH},
};

static const struct {
	const char *key;
	size_t off;
} attr_bools[] = {
	{"required", offsetof(ah_attr_schema, required)},
	{"isUniqueKey", offsetof(ah_attr_schema, unique_key)},
	{"isCombinedKey", offsetof(ah_attr_schema, combined_key)},
	{"displayHex", offsetof(ah_attr_schema, display_hex)},
	{"caseSensitive", offsetof(ah_attr_schema, case_sensitive)},
	{"encrypted", offsetof(ah_attr_schema, encrypted)},
	{"allowInfinite", offsetof(ah_attr_schema, allow_infinite)},
	{"expanded", offsetof(ah_attr_schema, expanded)},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_FIELDS 4
#define FIELD_LEN 32

/* Split s at commas into at most MAX_FIELDS fields without surrounding
 * blanks; returns the count, or -1 when there are more or one is too long. */
static int split_fields(const char *s, char f[MAX_FIELDS][FIELD_LEN])
{
	int n = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		const char *start = s;
		while (*s && *s != ',')
			s++;
		const char *end = s;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		size_t len = (size_t)(end - start);
		if (n == MAX_FIELDS || len >= FIELD_LEN)
			return -1;
		memcpy(f[n], start, len);
		f[n][len] = '\0';
		n++;
		if (!*s)
			return n;
		s++;
	}
}

/* validationParameter of integerRange ("min,max[,exclude]") and timeSpanRange
 * ("min,max[,granularity][,exclude]", seconds; granularity defaults to 1). */
static int parse_range(const loader *L, const ah_xnode *n, ah_attr_schema *a)
{
	const char *p = a->validation_param;
	const char *form = a->validator == AH_V_TIMESPAN_RANGE ? "min,max,granularity[,exclude]"
							       : "min,max[,exclude]";
	char f[MAX_FIELDS][FIELD_LEN];
	int nf = p ? split_fields(p, f) : -1;
	if (nf < 2 || !ah_parse_i64(f[0], &a->v_min) || !ah_parse_i64(f[1], &a->v_max))
		goto invalid;
	int i = 2;
	if (a->validator == AH_V_TIMESPAN_RANGE) {
		a->v_granularity = 1;
		if (i < nf && !ah_strcaseeq(f[i], "exclude")) {
			if (!ah_parse_i64(f[i], &a->v_granularity) || a->v_granularity <= 0)
				goto invalid;
			i++;
		}
	}
	if (i < nf && ah_strcaseeq(f[i], "exclude")) {
		a->v_exclude = true;
		i++;
	}
	if (i != nf || a->v_min > a->v_max)
		goto invalid;
	return 0;
invalid:
	return bad(L, n,
		   "The validationParameter '%s' of the schema attribute '%s' is invalid: "
		   "validationType '%s' expects '%s'",
		   p ? p : "", a->name, a->validation_type, form);
}

/* An enum or flag value: decimal (negative values wrap, as FX_schema's -1),
 * or 0x hex. */
static bool parse_value(const char *s, uint32_t *out)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!isxdigit((unsigned char)s[2]))
			return false;
		errno = 0;
		char *end;
		unsigned long long v = strtoull(s + 2, &end, 16);
		if (errno || *end || v > UINT32_MAX)
			return false;
		*out = (uint32_t)v;
		return true;
	}
	int64_t v;
	if (!ah_parse_i64(s, &v) || v < INT32_MIN || v > (int64_t)UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static int parse_values(loader *L, const ah_xnode *n, ah_attr_schema *a)
{
	size_t k = n->nchildren;
	if (!k)
		return 0;
	a->values = ah_arena_alloc(L->s->arena, k * sizeof(*a->values));
	if (!a->values)
		return oom();
	for (const ah_xnode *c = n->first; c; c = c->next) {
		if (strcmp(c->name, "enum") != 0 && strcmp(c->name, "flag") != 0 &&
		    strcmp(c->name, "flags") != 0)
			return bad(L, c,
				   "Unrecognized element <%s> in the schema attribute '%s': "
				   "expected <enum> or <flag>",
				   c->name, a->name);
		const char *name = ah__xml_attr(c, "name");
		const char *value = ah__xml_attr(c, "value");
		if (!name || !*name)
			return bad(L, c, "A schema <%s> of the attribute '%s' has no name",
				   c->name, a->name);
		ah_enumval *v = &a->values[a->nvalues];
		if (!value || !parse_value(value, &v->value))
			return bad(L, c,
				   "The value '%s' of '%s' in the schema attribute '%s' is not a "
				   "number",
				   value ? value : "", name, a->name);
		v->name = copy_str(L, name);
		if (!v->name)
			return oom();
		a->nvalues++;
	}
	return 0;
}

static int parse_validation(loader *L, const ah_xnode *n, ah_attr_schema *a)
{
	const char *vt = ah__xml_attr(n, "validationType");
	const char *vp = ah__xml_attr(n, "validationParameter");
	if (vp && !(a->validation_param = copy_str(L, vp)))
		return oom();
	if (!vt)
		return 0; /* a parameter alone (arr_schema) is kept and ignored */
	if (!(a->validation_type = copy_str(L, vt)))
		return oom();
	if (!*vt)
		return 0;
	a->validator = AH_V_UNKNOWN;
	for (size_t i = 0; i < COUNT(validator_names); i++)
		if (ah_strcaseeq(vt, validator_names[i].name))
			a->validator = validator_names[i].v;
	if (a->validator == AH_V_INTEGER_RANGE || a->validator == AH_V_TIMESPAN_RANGE)
		return parse_range(L, n, a);
	return 0;
}

static int parse_attr(loader *L, const ah_xnode *n, bool ext, ah_attr_schema **out)
{
	const char *name = ah__xml_attr(n, "name");
	if (!name || !*name)
		return bad(L, n, "A schema <attribute> has no name");
	const char *type = ah__xml_attr(n, "type");
	if (!type)
		return bad(L, n, "The schema attribute '%s' has no type", name);
	ah_attr_schema *a = ah_arena_alloc(L->s->arena, sizeof(*a));
	if (!a || !(a->name = copy_str(L, name)))
		return oom();
	size_t i;
	for (i = 0; i < COUNT(type_names); i++)
		if (ah_strcaseeq(type, type_names[i].name))
			break;
	if (i == COUNT(type_names))
		return bad(L, n,
			   "Unknown type '%s' of the schema attribute '%s': expected bool, enum, "
			   "flags, uint, int, int64, string or timeSpan",
			   type, name);
	a->type = type_names[i].type;
	int rc;
	for (i = 0; i < COUNT(attr_bools); i++) {
		bool *field = (bool *)((char *)a + attr_bools[i].off);
		if ((rc = get_bool(L, n, attr_bools[i].key, field)))
			return rc;
	}
	const char *v = ah__xml_attr(n, "defaultValue");
	if (v && !(a->default_value = copy_str(L, v)))
		return oom();
	v = ah__xml_attr(n, "extension");
	a->extension = ext || (v && *v);
	v = ah__xml_attr(n, "timeSpanFormat");
	if (v) {
		for (i = 0; i < COUNT(ts_names); i++)
			if (ah_strcaseeq(v, ts_names[i].name))
				break;
		if (i == COUNT(ts_names))
			return bad(L, n,
				   "Unknown timeSpanFormat '%s' of the schema attribute '%s': "
				   "expected string, seconds or minutes",
				   v, name);
		a->ts_format = ts_names[i].format;
	}
	if ((rc = parse_validation(L, n, a)) || (rc = parse_values(L, n, a)))
		return rc;
	*out = a;
	return 0;
}

/* ---- elements and collections -------------------------------------------- */

static int fill_elem(loader *L, ah_elem_schema *e, const ah_xnode *n, bool ext, int depth);

static ah_elem_schema *find_elem(const ah_elem_schema *e, const char *name)
{
	for (size_t i = 0; i < e->nelems; i++)
		if (strcmp(e->elems[i]->name, name) == 0)
			return e->elems[i];
	return NULL;
}

static int add_attr(loader *L, ah_elem_schema *e, const ah_xnode *n, bool ext)
{
	ah_attr_schema *a = NULL;
	int rc = parse_attr(L, n, ext, &a);
	if (rc)
		return rc;
	/* a later declaration of a known attribute is checked, then dropped */
	if (!ah__schema_attr(e, a->name))
		e->attrs[e->nattrs++] = a;
	return 0;
}

static int add_elem(loader *L, ah_elem_schema *e, const ah_xnode *n, bool ext, int depth)
{
	const char *name = ah__xml_attr(n, "name");
	if (!name || !*name)
		return bad(L, n, "A schema <element> has no name");
	bool coll_default = false, unrecognized = false;
	int rc;
	if ((rc = get_bool(L, n, "isCollectionDefault", &coll_default)) ||
	    (rc = get_bool(L, n, "allowUnrecognizedAttributes", &unrecognized)))
		return rc;
	ah_elem_schema *c = find_elem(e, name);
	if (!c) {
		c = ah_arena_alloc(L->s->arena, sizeof(*c));
		if (!c || !(c->name = copy_str(L, name)))
			return oom();
		e->elems[e->nelems++] = c;
	}
	c->is_collection_default |= coll_default;
	c->allow_unrecognized |= unrecognized;
	/* an extension element is runtime state: so is everything inside it */
	const char *x = ah__xml_attr(n, "extension");
	if (ext || (x && *x))
		c->extension = true;
	return fill_elem(L, c, n, ext || (x && *x), depth + 1);
}

static bool has_add_name(const ah_coll_schema *c, const char *name, size_t len)
{
	for (size_t i = 0; i < c->nadd; i++)
		if (strlen(c->add_names[i]) == len && memcmp(c->add_names[i], name, len) == 0)
			return true;
	return false;
}

/* Add the comma-separated names of list that c lacks. */
static int add_names(loader *L, ah_coll_schema *c, const char *list)
{
	size_t k = 1;
	for (const char *p = list; *p; p++)
		if (*p == ',')
			k++;
	const char **names = grow(L->s->arena, c->add_names, c->nadd, k, sizeof(*names));
	if (!names)
		return oom();
	c->add_names = names;
	const char *p = list;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *start = p;
		while (*p && *p != ',')
			p++;
		const char *end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		size_t len = (size_t)(end - start);
		if (len && !has_add_name(c, start, len)) {
			c->add_names[c->nadd] = ah_arena_strndup(L->s->arena, start, len);
			if (!c->add_names[c->nadd++])
				return oom();
		}
		if (!*p)
			return 0;
		p++;
	}
}

/* Set *field from attribute key of n unless it is already set. */
static int fill_name(loader *L, const char **field, const ah_xnode *n, const char *key)
{
	const char *v = ah__xml_attr(n, key);
	if (*field || !v || !*v)
		return 0;
	*field = copy_str(L, v);
	return *field ? 0 : oom();
}

static int add_coll(loader *L, ah_elem_schema *e, const ah_xnode *n, bool ext, int depth)
{
	const char *add = ah__xml_attr(n, "addElement");
	if (!add || !add[strspn(add, " \t,")])
		return bad(L, n, "A schema <collection> has no addElement");
	bool append = true, dups = false, unrecognized = false;
	int rc;
	if ((rc = get_bool(L, n, "mergeAppend", &append)) ||
	    (rc = get_bool(L, n, "allowDuplicates", &dups)) ||
	    (rc = get_bool(L, n, "allowUnrecognizedAttributes", &unrecognized)))
		return rc;
	ah_coll_schema *c = e->coll;
	if (!c) {
		c = ah_arena_alloc(L->s->arena, sizeof(*c));
		if (!c)
			return oom();
		c->merge_append = true;
		e->coll = c;
	}
	if ((rc = add_names(L, c, add)) ||
	    (rc = fill_name(L, &c->remove_name, n, "removeElement")) ||
	    (rc = fill_name(L, &c->clear_name, n, "clearElement")) ||
	    (rc = fill_name(L, &c->default_element, n, "defaultElement")))
		return rc;
	c->item.name = c->add_names[0];
	/* prepending is never the default, so any declaration asking for it wins */
	c->merge_append = c->merge_append && append;
	c->allow_duplicates |= dups;
	c->allow_unrecognized |= unrecognized;
	return fill_elem(L, &c->item, n, ext, depth + 1);
}

/* Merge the children of node n (a sectionSchema, element or collection) into
 * e. ext marks everything added as runtime-only. */
static int fill_elem(loader *L, ah_elem_schema *e, const ah_xnode *n, bool ext, int depth)
{
	if (depth > MAX_DEPTH)
		return bad(L, n, "Schema elements are nested more than %d levels deep", MAX_DEPTH);
	size_t ka = count_children(n, "attribute"), ke = count_children(n, "element");
	if (ka) {
		ah_attr_schema **a = grow(L->s->arena, e->attrs, e->nattrs, ka, sizeof(*a));
		if (!a)
			return oom();
		e->attrs = a;
	}
	if (ke) {
		ah_elem_schema **el = grow(L->s->arena, e->elems, e->nelems, ke, sizeof(*el));
		if (!el)
			return oom();
		e->elems = el;
	}
	for (const ah_xnode *c = n->first; c; c = c->next) {
		int rc;
		if (strcmp(c->name, "attribute") == 0)
			rc = add_attr(L, e, c, ext);
		else if (strcmp(c->name, "element") == 0)
			rc = add_elem(L, e, c, ext, depth);
		else if (strcmp(c->name, "collection") == 0)
			rc = add_coll(L, e, c, ext, depth);
		else if (strcmp(c->name, "method") == 0)
			rc = 0;
		else
			rc = bad(L, c,
				 "Unrecognized element <%s> in a schema <%s>: expected "
				 "<attribute>, <element>, <collection> or <method>",
				 c->name, n->name);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- sections and files -------------------------------------------------- */

static int add_section_to_list(ah_schema *s, ah_section_schema *sec)
{
	size_t n = s->nlist;
	/* the capacity is implicit: 8, then the next power of two */
	if (n == 0 || (n >= 8 && (n & (n - 1)) == 0)) {
		size_t cap = n ? n * 2 : 8;
		ah_section_schema **l = ah_realloc(s->list, cap * sizeof(*l));
		if (!l)
			return oom();
		s->list = l;
	}
	s->list[s->nlist++] = sec;
	return 0;
}

static int load_section(loader *L, const ah_xnode *n)
{
	ah_schema *s = L->s;
	const char *name = ah__xml_attr(n, "name");
	if (!name || !*name)
		return bad(L, n, "A <sectionSchema> has no name");
	bool unrecognized = false;
	int rc = get_bool(L, n, "allowUnrecognizedAttributes", &unrecognized);
	if (rc)
		return rc;
	ah_section_schema *sec = ah_map_get(&s->sections, name);
	if (!sec) {
		sec = ah_arena_alloc(s->arena, sizeof(*sec));
		if (!sec || !(sec->name = copy_str(L, name)))
			return oom();
		/* the element's tag in configuration files: the last part of the name */
		const char *slash = strrchr(sec->name, '/');
		sec->root.name = slash ? slash + 1 : sec->name;
		if (ah_map_put(&s->sections, sec->name, sec))
			return oom();
		if ((rc = add_section_to_list(s, sec)))
			return rc;
	}
	sec->root.allow_unrecognized |= unrecognized;
	return fill_elem(L, &sec->root, n, false, 0);
}

static int load_root(loader *L, const ah_xnode *root)
{
	if (strcmp(root->name, "configSchema") != 0)
		return bad(L, root,
			   "The schema file '%s' has the root element <%s>: a schema file's root "
			   "element must be <configSchema>",
			   L->path, root->name);
	for (const ah_xnode *c = root->first; c; c = c->next) {
		int rc;
		if (strcmp(c->name, "sectionSchema") == 0)
			rc = load_section(L, c);
		else
			rc = bad(L, c,
				 "Unrecognized element <%s> in the schema file '%s': "
				 "<configSchema> holds only <sectionSchema> elements",
				 c->name, L->path);
		if (rc)
			return rc;
	}
	return 0;
}

static int load_file(ah_schema *s, const char *path)
{
	char *data;
	size_t len;
	int rc = ah_fs_read(&data, &len, NULL, path);
	if (rc == AH_ENOMEM)
		return oom();
	if (rc == AH_ENOTFOUND)
		return ah_error_set(rc, AH_HR_FILE_NOT_FOUND, path, 0,
				    "The schema file '%s' does not exist", path);
	if (rc)
		return ah_error_set(rc, 0, path, 0, "Cannot read the schema file '%s': %s", path,
				    strerror(errno));
	/* the element tree lives only while the file is read: the schema keeps copies */
	ah_arena *tmp = ah_arena_new();
	if (!tmp) {
		ah_free(data);
		return oom();
	}
	ah_xdoc doc;
	unsigned line;
	rc = ah__xml_parse(&doc, tmp, data, len, &line);
	if (rc == AH_ECONFIG) {
		rc = ah_error_set(AH_ECONFIG, AH_HR_INVALID_DATA, path, line,
				  "Configuration file is not well-formed XML");
	} else if (rc) {
		rc = oom();
	} else {
		loader L = {.s = s, .path = path};
		rc = load_root(&L, doc.root);
	}
	ah_arena_free(tmp);
	ah_free(data);
	return rc;
}

int ah__schema_load_files(ah_schema **out, const char *const *paths, size_t n)
{
	*out = NULL;
	ah_schema *s = ah_calloc(1, sizeof(*s));
	if (!s)
		return oom();
	ah_map_init(&s->sections, false);
	s->arena = ah_arena_new();
	if (!s->arena) {
		ah_free(s);
		return oom();
	}
	for (size_t i = 0; i < n; i++) {
		int rc = load_file(s, paths[i]);
		if (rc) {
			ah__schema_free(s);
			return rc;
		}
	}
	*out = s;
	return 0;
}

/* A schema file name: "*.xml" (any case, as on Windows), not hidden. */
static bool is_schema_name(const char *name)
{
	size_t len = strlen(name);
	return name[0] != '.' && len > 4 && ah_strcaseeq(name + len - 4, ".xml");
}

/* The core file IIS_schema.xml first (it defines the sections that other files
 * extend, so its elements come first in merged declarations), then the others
 * by name, ignoring case as Windows lists them. */
static int schema_rank(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return ah_strcaseeq(base, "IIS_schema.xml") ? 0 : 1;
}

static int cmp_paths(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int rx = schema_rank(x), ry = schema_rank(y);
	if (rx != ry)
		return rx - ry;
	int c = strcasecmp(x, y);
	return c ? c : strcmp(x, y);
}

/* The paths of the schema files of dir, sorted by name, in *out (heap array
 * of strings held by arena a). */
static int list_dir(const char ***out, size_t *n, ah_arena *a, const char *dir)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return ah_error_set(AH_ENOTFOUND, AH_HR_PATH_NOT_FOUND, dir, 0,
					    "The schema folder '%s' does not exist", dir);
		return ah_error_set(AH_EIO, 0, dir, 0, "Cannot read the schema folder '%s': %s",
				    dir, strerror(errno));
	}
	const char **paths = NULL;
	size_t cap = 0;
	int rc = 0;
	struct dirent *de;
	for (;;) {
		errno = 0;
		if (!(de = readdir(d))) {
			if (errno)
				rc = ah_error_set(AH_EIO, 0, dir, 0,
						  "Cannot read the schema folder '%s': %s", dir,
						  strerror(errno));
			break;
		}
		if (!is_schema_name(de->d_name))
			continue;
		const char *p = ah_arena_printf(a, "%s/%s", dir, de->d_name);
		if (!p) {
			rc = oom();
			break;
		}
		if (ah_fs_is_dir(p))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			const char **np = ah_realloc(paths, cap * sizeof(*np));
			if (!np) {
				rc = oom();
				break;
			}
			paths = np;
		}
		paths[(*n)++] = p;
	}
	closedir(d);
	if (rc) {
		ah_free(paths);
		*n = 0;
		return rc;
	}
	/* one folder, one prefix: comparing the paths compares the names */
	if (*n)
		qsort(paths, *n, sizeof(*paths), cmp_paths);
	*out = paths;
	return 0;
}

int ah__schema_load_dir(ah_schema **out, const char *dir)
{
	*out = NULL;
	ah_arena *a = ah_arena_new();
	if (!a)
		return oom();
	const char **paths;
	size_t n;
	int rc = list_dir(&paths, &n, a, dir);
	if (!rc)
		rc = ah__schema_load_files(out, paths, n);
	ah_free(paths);
	ah_arena_free(a);
	return rc;
}

void ah__schema_free(ah_schema *s)
{
	if (!s)
		return;
	ah_map_free(&s->sections);
	ah_free(s->list);
	ah_arena_free(s->arena);
	ah_free(s);
}

/* ---- lookups ------------------------------------------------------------- */

const ah_section_schema *ah__schema_section(const ah_schema *s, const char *name)
{
	if (!s || !name)
		return NULL;
	return ah_map_get(&s->sections, name);
}

const ah_attr_schema *ah__schema_attr(const ah_elem_schema *e, const char *name)
{
	if (!e || !name)
		return NULL;
	for (size_t i = 0; i < e->nattrs; i++)
		if (strcmp(e->attrs[i]->name, name) == 0)
			return e->attrs[i];
	return NULL;
}

const ah_elem_schema *ah__schema_elem(const ah_elem_schema *e, const char *name)
{
	if (!e || !name)
		return NULL;
	return find_elem(e, name);
}

bool ah__schema_is_add(const ah_coll_schema *c, const char *tag)
{
	if (!c || !tag)
		return false;
	for (size_t i = 0; i < c->nadd; i++)
		if (strcmp(c->add_names[i], tag) == 0)
			return true;
	return false;
}
