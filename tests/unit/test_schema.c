/*
 * Tests of the schema loader (src/lib/schema.c): the real IIS schema sets
 * load whole and give the facts written in their files; small files check
 * the grammar, the merging of repeated declarations and the errors.
 *
 * Expected values are read from the reference files (and spec §1), never
 * from the loader's output. Without the shared reference folder the tests
 * that need it are left out and the program exits with 77 (skipped) once the
 * others pass.
 */
#include "lib/schema.h"

#include "apphost/errors.h"
#include "util/alloc.h"

#include <dirent.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define REF AH_TEST_SHARED "/reference/schema"

static char tmpdir[] = "/tmp/ah-test-schema-XXXXXX";

/* ---- helpers ------------------------------------------------------------- */

static const char *tmp_path(const char *name)
{
	static char buf[4][512];
	static int next;
	char *p = buf[next++ % 4];
	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return p;
}

static const char *write_tmp(const char *name, const char *text)
{
	const char *p = tmp_path(name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return p;
}

static ah_schema *load_dir_ok(const char *dir)
{
	ah_schema *s = NULL;
	ah_error_clear();
	int rc = ah__schema_load_dir(&s, dir);
	if (rc)
		fail_msg("loading %s: %s (%s line %u)", dir, ah_error_last()->message,
			 ah_error_last()->file ? ah_error_last()->file : "-",
			 ah_error_last()->line);
	assert_non_null(s);
	return s;
}

static ah_schema *load_one(const char *path, int *rc)
{
	ah_schema *s = NULL;
	ah_error_clear();
	*rc = ah__schema_load_files(&s, &path, 1);
	return s;
}

/* Load a one-file schema from text that must be valid. */
static ah_schema *load_text(const char *text)
{
	int rc;
	const char *p = write_tmp("one.xml", text);
	ah_schema *s = load_one(p, &rc);
	if (rc)
		fail_msg("%s (line %u)", ah_error_last()->message, ah_error_last()->line);
	return s;
}

/* Load a one-file schema from text that must fail with AH_ECONFIG at line. */
static const ah_error *load_bad(const char *text, unsigned line)
{
	int rc;
	const char *p = write_tmp("bad.xml", text);
	ah_schema *s = load_one(p, &rc);
	assert_null(s);
	assert_int_equal(rc, AH_ECONFIG);
	const ah_error *e = ah_error_last();
	assert_non_null(e);
	assert_int_equal(e->code, AH_ECONFIG);
	assert_int_equal(e->hresult, AH_HR_INVALID_DATA);
	assert_string_equal(e->file, p);
	assert_int_equal(e->line, line);
	return e;
}

static const ah_section_schema *sect(const ah_schema *s, const char *name)
{
	const ah_section_schema *sec = ah__schema_section(s, name);
	if (!sec)
		fail_msg("no section %s", name);
	return sec;
}

static const ah_attr_schema *attr(const ah_elem_schema *e, const char *name)
{
	const ah_attr_schema *a = ah__schema_attr(e, name);
	if (!a)
		fail_msg("no attribute %s in %s", name, e->name ? e->name : "?");
	return a;
}

static const ah_elem_schema *elem(const ah_elem_schema *e, const char *name)
{
	const ah_elem_schema *c = ah__schema_elem(e, name);
	if (!c)
		fail_msg("no element %s in %s", name, e->name ? e->name : "?");
	return c;
}

static const ah_coll_schema *coll(const ah_elem_schema *e)
{
	if (!e->coll)
		fail_msg("no collection in %s", e->name ? e->name : "?");
	return e->coll;
}

static size_t section_index(const ah_schema *s, const char *name)
{
	for (size_t i = 0; i < s->nlist; i++)
		if (strcmp(s->list[i]->name, name) == 0)
			return i;
	fail_msg("no section %s in the list", name);
	return 0;
}

/* ---- the real sets --------------------------------------------------------- */

static void test_iis10_whole_set(void **state)
{
	(void)state;
	ah_schema *s = load_dir_ok(REF "/iis10");
	/* 148 sectionSchema elements in 14 files, 141 distinct names */
	assert_int_equal(s->nlist, 141);
	assert_int_equal(s->sections.len, 141);
	/* IIS_schema.xml first (the core file other files extend), its first section first */
	assert_string_equal(s->list[0]->name, "system.applicationHost/applicationPools");
	/* webFarms is declared in arr_schema.xml and again in webfarm.xml */
	assert_true(section_index(s, "webFarms") <
		    section_index(s, "system.webServer/rewrite/rules"));
	ah__schema_free(s);
}

static void test_iis70_whole_set(void **state)
{
	(void)state;
	ah_schema *s = load_dir_ok(REF "/iis70");
	assert_int_equal(s->nlist, 52);
	const ah_section_schema *sec = sect(s, "system.applicationHost/applicationPools");
	const ah_elem_schema *item = &coll(&sec->root)->item;
	const ah_attr_schema *a = attr(elem(item, "processModel"), "identityType");
	assert_string_equal(a->default_value, "NetworkService");
	assert_int_equal(a->nvalues, 5);
	ah__schema_free(s);
}

static void test_iisexpress_whole_set(void **state)
{
	(void)state;
	ah_schema *s = load_dir_ok(REF "/iisexpress");
	assert_int_equal(s->nlist, 128);
	/* iisexpress ships rscaext.xml as well */
	const ah_elem_schema *site = &coll(&sect(s, "system.applicationHost/sites")->root)->item;
	assert_true(attr(site, "state")->extension);
	assert_non_null(sect(s, "system.webServer/management/dbManager"));
	ah__schema_free(s);
}

static void test_iis_schema_alone(void **state)
{
	(void)state;
	int rc;
	ah_schema *s = load_one(REF "/iis10/IIS_schema.xml", &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(s->nlist, 56);
	/* without rscaext.xml the runtime state attribute does not exist */
	const ah_elem_schema *site = &coll(&sect(s, "system.applicationHost/sites")->root)->item;
	assert_null(ah__schema_attr(site, "state"));
	ah__schema_free(s);
}

static void test_application_pools(void **state)
{
	(void)state;
	ah_schema *s = load_dir_ok(REF "/iis10");
	const ah_section_schema *sec = sect(s, "system.applicationHost/applicationPools");
	assert_string_equal(sec->root.name, "applicationPools");
	const ah_coll_schema *c = coll(&sec->root);
	assert_int_equal(c->nadd, 1);
	assert_string_equal(c->add_names[0], "add");
	assert_true(ah__schema_is_add(c, "add"));
	assert_false(ah__schema_is_add(c, "Add"));
	assert_null(c->remove_name);
	assert_null(c->clear_name);
	assert_string_equal(c->default_element, "applicationPoolDefaults");
	assert_true(c->merge_append);

	const ah_attr_schema *a = attr(&c->item, "name");
	assert_int_equal(a->type, AH_T_STRING);
	assert_true(a->required);
	assert_true(a->unique_key);
	assert_false(a->combined_key);
	assert_int_equal(a->validator, AH_V_APP_POOL_NAME);
	assert_string_equal(a->validation_type, "applicationPoolName");
	assert_null(a->default_value);
	assert_null(ah__schema_attr(&c->item, "Name")); /* names are case-sensitive */

	a = attr(&c->item, "queueLength");
	assert_int_equal(a->type, AH_T_UINT);
	assert_string_equal(a->default_value, "1000");
	assert_int_equal(a->validator, AH_V_INTEGER_RANGE);
	assert_int_equal(a->v_min, 10);
	assert_int_equal(a->v_max, 65535);
	assert_false(a->v_exclude);
	assert_string_equal(attr(&c->item, "managedRuntimeVersion")->default_value, "");
	assert_true(attr(&c->item, "CLRConfigFile")->expanded);

	const ah_elem_schema *pm = elem(&c->item, "processModel");
	a = attr(pm, "identityType");
	assert_int_equal(a->type, AH_T_ENUM);
	assert_string_equal(a->default_value, "ApplicationPoolIdentity");
	assert_int_equal(a->nvalues, 5);
	assert_string_equal(a->values[0].name, "LocalSystem");
	assert_int_equal(a->values[0].value, 0);
	assert_string_equal(a->values[2].name, "NetworkService");
	assert_int_equal(a->values[2].value, 2);
	assert_string_equal(a->values[4].name, "ApplicationPoolIdentity");
	assert_int_equal(a->values[4].value, 4);

	a = attr(pm, "idleTimeout");
	assert_int_equal(a->type, AH_T_TIMESPAN);
	assert_int_equal(a->ts_format, AH_TS_STRING);
	assert_string_equal(a->default_value, "00:20:00");
	assert_int_equal(a->validator, AH_V_TIMESPAN_RANGE);
	assert_int_equal(a->v_min, 0);
	assert_int_equal(a->v_max, 2592000);
	assert_int_equal(a->v_granularity, 60);

	a = attr(pm, "password");
	assert_true(a->encrypted);
	assert_true(a->case_sensitive);
	assert_string_equal(a->default_value, "[enc:IISWASOnlyAesProvider::enc]");

	/* the defaults element is a sibling of the collection */
	const ah_elem_schema *defs = elem(&sec->root, "applicationPoolDefaults");
	assert_true(defs->is_collection_default);
	assert_false(attr(defs, "name")->required);
	assert_false(elem(&c->item, "processModel")->is_collection_default);

	/* rscaext.xml: runtime attributes, and a whole runtime element */
	a = attr(&c->item, "state");
	assert_true(a->extension);
	assert_int_equal(a->type, AH_T_ENUM);
	assert_int_equal(a->nvalues, 5);
	assert_true(attr(&c->item, "applicationPoolSid")->extension);
	assert_false(attr(&c->item, "queueLength")->extension);
	const ah_coll_schema *wp = coll(elem(&c->item, "workerProcesses"));
	assert_string_equal(wp->add_names[0], "workerProcess");
	a = attr(&wp->item, "processId");
	assert_true(a->unique_key);
	assert_true(a->extension); /* inside extension="..." workerProcesses */
	ah__schema_free(s);
}

static void test_sites(void **state)
{
	(void)state;
	ah_schema *s = load_dir_ok(REF "/iis10");
	const ah_coll_schema *c = coll(&sect(s, "system.applicationHost/sites")->root);
	assert_int_equal(c->nadd, 1);
	assert_string_equal(c->add_names[0], "site");
	assert_string_equal(c->item.name, "site");
	assert_string_equal(c->default_element, "siteDefaults");
	assert_true(attr(&c->item, "name")->unique_key);
	assert_int_equal(attr(&c->item, "name")->validator, AH_V_SITE_NAME);
	assert_true(attr(&c->item, "id")->unique_key);
	assert_int_equal(attr(&c->item, "id")->type, AH_T_UINT);

	/* bindings: declared by IIS_schema.xml and again by rscaext.xml */
	const ah_coll_schema *b = coll(elem(&c->item, "bindings"));
	assert_int_equal(b->nadd, 1);
	assert_string_equal(b->add_names[0], "binding");
	assert_string_equal(b->clear_name, "clear");
	assert_null(b->remove_name);
	const ah_attr_schema *a = attr(&b->item, "protocol");
	assert_true(a->combined_key);
	assert_true(a->required);
	assert_false(a->unique_key);
	assert_int_equal(a->validator, AH_V_NON_EMPTY_STRING);
	assert_true(attr(&b->item, "bindingInformation")->combined_key);
	assert_false(attr(&b->item, "sslFlags")->combined_key);
	assert_string_equal(attr(&b->item, "sslFlags")->default_value, "0");
	assert_false(attr(&b->item, "protocol")->extension);
	assert_true(attr(&b->item, "certificateHash")->extension);

	/* rscaext.xml adds the runtime state to every site */
	a = attr(&c->item, "state");
	assert_true(a->extension);
	assert_int_equal(a->nvalues, 5);
	assert_string_equal(a->values[3].name, "Stopped");
	assert_int_equal(a->values[3].value, 3);
	assert_false(attr(&c->item, "serverAutoStart")->extension);

	/* ftp_rscaext.xml: ftpServer state, and the runtime sessions element */
	const ah_elem_schema *ftp = elem(&c->item, "ftpServer");
	assert_true(attr(ftp, "state")->extension);
	const ah_coll_schema *sess = coll(elem(ftp, "sessions"));
	assert_true(attr(&sess->item, "clientIp")->extension);
	assert_int_equal(attr(&sess->item, "bytesSent")->type, AH_T_INT64);

	/* the exclusion form of integerRange */
	a = attr(elem(elem(&sect(s, "system.applicationHost/sites")->root, "siteDefaults"),
		      "limits"),
		 "maxBandwidth");
	assert_int_equal(a->validator, AH_V_INTEGER_RANGE);
	assert_int_equal(a->v_min, 0);
	assert_int_equal(a->v_max, 1023);
	assert_true(a->v_exclude);
	assert_string_equal(a->default_value, "4294967295");
	ah__schema_free(s);
}

static void test_webserver_sections(void **state)
{
	(void)state;
	ah_schema *s = load_dir_ok(REF "/iis10");

	const ah_section_schema *dd = sect(s, "system.webServer/defaultDocument");
	assert_string_equal(dd->root.name, "defaultDocument");
	assert_int_equal(attr(&dd->root, "enabled")->type, AH_T_BOOL);
	assert_string_equal(attr(&dd->root, "enabled")->default_value, "true");
	assert_null(dd->root.coll);
	const ah_coll_schema *files = coll(elem(&dd->root, "files"));
	assert_false(files->merge_append);
	assert_string_equal(files->add_names[0], "add");
	assert_string_equal(files->remove_name, "remove");
	assert_string_equal(files->clear_name, "clear");
	assert_true(attr(&files->item, "value")->unique_key);

	/* defaultvalue="false" (lower-case v) is not defaultValue */
	const ah_section_schema *rf = sect(s, "system.webServer/security/requestFiltering");
	const ah_attr_schema *a = attr(&rf->root, "removeServerHeader");
	assert_int_equal(a->type, AH_T_BOOL);
	assert_null(a->default_value);

	/* mergeElement="false" is not mergeAppend */
	const ah_coll_schema *ai =
		coll(&sect(s, "system.webServer/applicationInitialization")->root);
	assert_true(ai->merge_append);
	assert_string_equal(ai->remove_name, "remove");

	/* windowsAuthentication extendedProtection: flags and renamed directives */
	const ah_elem_schema *ep = elem(
		&sect(s, "system.webServer/security/authentication/windowsAuthentication")->root,
		"extendedProtection");
	a = attr(ep, "tokenChecking");
	assert_int_equal(a->nvalues, 3);
	assert_string_equal(a->default_value, "None");
	a = attr(ep, "flags");
	assert_int_equal(a->type, AH_T_FLAGS);
	assert_int_equal(a->nvalues, 5);
	assert_string_equal(a->values[4].name, "ProxyCohosting");
	assert_int_equal(a->values[4].value, 32);
	const ah_coll_schema *spn = coll(ep);
	assert_int_equal(spn->nadd, 1);
	assert_string_equal(spn->add_names[0], "spn");
	assert_string_equal(spn->remove_name, "removeSpn");
	assert_string_equal(spn->clear_name, "clearSpns");
	assert_true(ah__schema_is_add(spn, "spn"));
	assert_false(ah__schema_is_add(spn, "removeSpn"));
	ah__schema_free(s);
}

static void test_aspnet_and_fx(void **state)
{
	(void)state;
	ah_schema *s = load_dir_ok(REF "/iis10");

	const ah_coll_schema *az = coll(&sect(s, "system.web/authorization")->root);
	assert_int_equal(az->nadd, 2);
	assert_string_equal(az->add_names[0], "allow");
	assert_string_equal(az->add_names[1], "deny");
	assert_true(ah__schema_is_add(az, "deny"));
	assert_true(az->allow_duplicates);
	assert_false(az->merge_append);
	assert_null(az->remove_name);
	assert_null(az->clear_name);
	assert_non_null(ah__schema_attr(&az->item, "verbs"));

	/* timeSpanFormat and allowInfinite (ASPNET only) */
	const ah_attr_schema *a =
		attr(elem(&sect(s, "system.web/authentication")->root, "forms"), "timeout");
	assert_int_equal(a->type, AH_T_TIMESPAN);
	assert_int_equal(a->ts_format, AH_TS_MINUTES);
	assert_string_equal(a->default_value, "30");
	assert_int_equal(a->v_min, 60);
	assert_int_equal(a->v_max, 2147483640);
	assert_int_equal(a->v_granularity, 60);
	a = attr(&sect(s, "system.web/anonymousIdentification")->root, "cookieTimeout");
	assert_true(a->allow_infinite);
	assert_int_equal(a->ts_format, AH_TS_MINUTES);
	assert_true(sect(s, "system.web/httpRuntime")->root.allow_unrecognized);
	assert_false(sect(s, "system.web/authorization")->root.allow_unrecognized);

	/* FX_schema: a negative enum value */
	const ah_elem_schema *proxy = elem(&sect(s, "system.net/defaultProxy")->root, "proxy");
	a = attr(proxy, "autoDetect");
	assert_int_equal(a->nvalues, 3);
	assert_string_equal(a->values[2].name, "Unspecified");
	assert_int_equal(a->values[2].value, 0xFFFFFFFFu);

	/* FX_schema: two collections in profile/properties become one */
	const ah_coll_schema *pr = coll(elem(&sect(s, "system.web/profile")->root, "properties"));
	assert_int_equal(pr->nadd, 2);
	assert_string_equal(pr->add_names[0], "add");
	assert_string_equal(pr->add_names[1], "group");
	assert_string_equal(pr->remove_name, "remove");
	assert_string_equal(pr->clear_name, "clear");
	assert_non_null(ah__schema_attr(&pr->item, "serializeAs"));
	assert_string_equal(coll(&pr->item)->add_names[0], "add");
	ah__schema_free(s);
}

static void test_out_of_band_files(void **state)
{
	(void)state;
	ah_schema *s = load_dir_ok(REF "/iis10");

	/* webFarms: arr_schema.xml and webfarm.xml merged */
	const ah_section_schema *wf = sect(s, "webFarms");
	assert_non_null(ah__schema_attr(&wf->root, "onDemandHealthCheck"));
	assert_non_null(ah__schema_elem(&wf->root, "applicationRequestRouting"));
	const ah_coll_schema *farm = coll(&wf->root);
	assert_int_equal(farm->nadd, 1);
	assert_string_equal(farm->add_names[0], "webFarm");
	assert_non_null(ah__schema_attr(&farm->item, "serverAutoStart")); /* arr */
	assert_non_null(ah__schema_attr(&farm->item, "adminUserName"));   /* webfarm */
	assert_true(attr(&farm->item, "name")->unique_key);

	/* arr_schema: a validationParameter without validationType */
	const ah_elem_schema *hc =
		elem(elem(&farm->item, "applicationRequestRouting"), "healthCheck");
	const ah_attr_schema *a = attr(hc, "retries");
	assert_int_equal(a->type, AH_T_UINT);
	assert_string_equal(a->default_value, "3");
	assert_int_equal(a->validator, AH_V_NONE);
	assert_null(a->validation_type);
	assert_string_equal(a->validation_param, "0,20");
	a = attr(hc, "interval");
	assert_int_equal(a->validator, AH_V_TIMESPAN_RANGE);
	assert_int_equal(a->v_max, 86400);
	assert_int_equal(a->v_granularity, 1);

	/* a section with allowUnrecognizedAttributes from its own small file */
	assert_true(sect(s, "system.webServer/wdeploy/backup")->root.allow_unrecognized);
	ah__schema_free(s);
}

/* ---- the project's own schema ------------------------------------------------ */

static void test_project_schema(void **state)
{
	(void)state;
	DIR *d = opendir(AH_TEST_SRCDIR "/schema");
	size_t nxml = 0;
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			size_t len = strlen(de->d_name);
			if (len > 4 && strcmp(de->d_name + len - 4, ".xml") == 0)
				nxml++;
		}
		closedir(d);
	}
	if (!nxml)
		skip();
	ah_schema *s = load_dir_ok(AH_TEST_SRCDIR "/schema");
	assert_true(s->nlist > 0);
	ah__schema_free(s);
}

/* ---- grammar, merging and errors on small files ------------------------------ */

static void test_grammar(void **state)
{
	(void)state;
	ah_schema *s = load_text(
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<!-- a comment -->\n"
		"<configSchema>\n"
		"  <sectionSchema name=\"g/one\">\n"
		"    <attribute name=\"f\" type=\"flags\" defaultValue=\"A, B\"\n"
		"        displayHex=\"TRUE\">\n"
		"      <flags name=\"A\" value=\"0x1\"/>\n"
		"      <flag name=\"B\" value=\"0X10\"/>\n"
		"      <flag name=\"C\" value=\"4294967295\"/>\n"
		"    </attribute>\n"
		"    <attribute name=\"t\" type=\"timeSpan\" timeSpanFormat=\"seconds\"\n"
		"        validationType=\"timeSpanRange\" validationParameter=\" 5 , 50 \"/>\n"
		"    <attribute name=\"r\" type=\"int\" validationType=\"integerRange\"\n"
		"        validationParameter=\"-1,999\" allowInfinite=\"true\"/>\n"
		"    <attribute name=\"u\" type=\"string\" validationType=\"somethingNew\"/>\n"
		"    <attribute name=\"e\" type=\"string\" validationType=\"\"\n"
		"        unknownMeta=\"x\"/>\n"
		"    <attribute name=\"x\" type=\"int64\" extension=\"Some.Extension\"/>\n"
		"    <method name=\"Do\"><inputElement><attribute name=\"in\" type=\"string\"/>"
		"</inputElement></method>\n"
		"    <collection addElement=\" a , b ,\" removeElement=\"\"\n"
		"        mergeAppend=\"False\">\n"
		"      <attribute name=\"k\" type=\"string\" isUniqueKey=\"true\"/>\n"
		"      <collection addElement=\"sub\" clearElement=\"wipe\"/>\n"
		"    </collection>\n"
		"  </sectionSchema>\n"
		"</configSchema>\n");
	assert_int_equal(s->nlist, 1);
	const ah_section_schema *sec = sect(s, "g/one");
	assert_null(ah__schema_section(s, "G/one"));
	assert_null(ah__schema_section(s, "g/two"));
	assert_string_equal(sec->root.name, "one");

	const ah_attr_schema *a = attr(&sec->root, "f");
	assert_int_equal(a->type, AH_T_FLAGS);
	assert_true(a->display_hex);
	assert_string_equal(a->default_value, "A, B");
	assert_int_equal(a->nvalues, 3);
	assert_int_equal(a->values[0].value, 1);
	assert_int_equal(a->values[1].value, 16);
	assert_int_equal(a->values[2].value, 0xFFFFFFFFu);

	a = attr(&sec->root, "t");
	assert_int_equal(a->ts_format, AH_TS_SECONDS);
	assert_int_equal(a->v_min, 5);
	assert_int_equal(a->v_max, 50);
	assert_int_equal(a->v_granularity, 1); /* not given */

	a = attr(&sec->root, "r");
	assert_int_equal(a->v_min, -1);
	assert_int_equal(a->v_max, 999);
	assert_true(a->allow_infinite);

	a = attr(&sec->root, "u");
	assert_int_equal(a->validator, AH_V_UNKNOWN);
	assert_string_equal(a->validation_type, "somethingNew");
	a = attr(&sec->root, "e");
	assert_int_equal(a->validator, AH_V_NONE);
	assert_string_equal(a->validation_type, "");
	assert_true(attr(&sec->root, "x")->extension);
	assert_false(attr(&sec->root, "e")->extension);
	assert_int_equal(sec->root.nattrs, 6); /* the method's input is not an attribute */
	assert_null(ah__schema_attr(&sec->root, "in"));

	const ah_coll_schema *c = coll(&sec->root);
	assert_int_equal(c->nadd, 2);
	assert_string_equal(c->add_names[0], "a");
	assert_string_equal(c->add_names[1], "b");
	assert_null(c->remove_name);
	assert_null(c->clear_name);
	assert_false(c->merge_append);
	assert_false(c->allow_duplicates);
	const ah_coll_schema *sub = coll(&c->item);
	assert_string_equal(sub->add_names[0], "sub");
	assert_string_equal(sub->clear_name, "wipe");
	assert_true(sub->merge_append);
	assert_int_equal(sub->item.nattrs, 0);

	assert_null(ah__schema_attr(NULL, "x"));
	assert_null(ah__schema_elem(&sec->root, "nothing"));
	assert_false(ah__schema_is_add(NULL, "a"));
	ah__schema_free(s);
}

static void test_merge(void **state)
{
	(void)state;
	const char *p[2];
	p[0] = write_tmp("m1.xml",
			 "<configSchema>\n"
			 "  <sectionSchema name=\"m/s\">\n"
			 "    <attribute name=\"a\" type=\"uint\" defaultValue=\"1\"/>\n"
			 "    <element name=\"e\">\n"
			 "      <attribute name=\"x\" type=\"string\"/>\n"
			 "    </element>\n"
			 "    <collection addElement=\"add\">\n"
			 "      <attribute name=\"k\" type=\"string\" isUniqueKey=\"true\"/>\n"
			 "    </collection>\n"
			 "  </sectionSchema>\n"
			 "  <sectionSchema name=\"m/other\"/>\n"
			 "</configSchema>\n");
	p[1] = write_tmp("m2.xml",
			 "<configSchema>\n"
			 "  <sectionSchema name=\"m/s\" allowUnrecognizedAttributes=\"true\">\n"
			 "    <attribute name=\"a\" type=\"string\" defaultValue=\"2\"/>\n"
			 "    <attribute name=\"b\" type=\"bool\"/>\n"
			 "    <element name=\"e\">\n"
			 "      <attribute name=\"y\" type=\"string\"/>\n"
			 "    </element>\n"
			 "    <element name=\"f\"/>\n"
			 "    <collection addElement=\"add,put\" removeElement=\"remove\"\n"
			 "        mergeAppend=\"false\">\n"
			 "      <attribute name=\"k\" type=\"int\"/>\n"
			 "      <attribute name=\"v\" type=\"string\"/>\n"
			 "    </collection>\n"
			 "  </sectionSchema>\n"
			 "</configSchema>\n");
	ah_schema *s = NULL;
	ah_error_clear();
	assert_int_equal(ah__schema_load_files(&s, p, 2), 0);
	assert_int_equal(s->nlist, 2);
	assert_string_equal(s->list[0]->name, "m/s");
	assert_string_equal(s->list[1]->name, "m/other");
	const ah_elem_schema *r = &sect(s, "m/s")->root;
	assert_true(r->allow_unrecognized);
	assert_int_equal(r->nattrs, 2);
	assert_string_equal(r->attrs[0]->name, "a");
	assert_int_equal(r->attrs[0]->type, AH_T_UINT); /* the first definition stays */
	assert_string_equal(r->attrs[0]->default_value, "1");
	assert_string_equal(r->attrs[1]->name, "b");
	assert_int_equal(r->nelems, 2);
	const ah_elem_schema *e = elem(r, "e");
	assert_int_equal(e->nattrs, 2);
	assert_non_null(ah__schema_attr(e, "x"));
	assert_non_null(ah__schema_attr(e, "y"));
	assert_non_null(ah__schema_elem(r, "f"));
	const ah_coll_schema *c = coll(r);
	assert_int_equal(c->nadd, 2);
	assert_string_equal(c->add_names[1], "put");
	assert_string_equal(c->remove_name, "remove");
	assert_false(c->merge_append);
	assert_int_equal(c->item.nattrs, 2);
	assert_int_equal(attr(&c->item, "k")->type, AH_T_STRING);
	assert_true(attr(&c->item, "k")->unique_key);
	ah__schema_free(s);
}

static void test_load_dir_order(void **state)
{
	(void)state;
	const char *sub = tmp_path("set");
	assert_int_equal(mkdir(sub, 0700), 0);
	char path[600];
	static const struct {
		const char *name, *text;
	} files[] = {
		{"b.xml", "<configSchema><sectionSchema name=\"from/b\"/></configSchema>"},
		{"a.xml", "<configSchema><sectionSchema name=\"from/a\"/></configSchema>"},
		{"C.XML", "<configSchema><sectionSchema name=\"from/C\"/></configSchema>"},
		{"iis_SCHEMA.xml", "<configSchema><sectionSchema name=\"from/iis\"/></configSchema>"},
		{"notes.txt", "not a schema"},
		{".hidden.xml", "not a schema either"},
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", sub, files[i].name);
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(files[i].text, f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/folder.xml", sub);
	assert_int_equal(mkdir(path, 0700), 0);

	ah_schema *s = load_dir_ok(sub);
	/* IIS_schema.xml (any case) first, then by name ignoring case, as Windows lists them */
	assert_int_equal(s->nlist, 4);
	assert_string_equal(s->list[0]->name, "from/iis");
	assert_string_equal(s->list[1]->name, "from/a");
	assert_string_equal(s->list[2]->name, "from/b");
	assert_string_equal(s->list[3]->name, "from/C");
	ah__schema_free(s);

	snprintf(path, sizeof(path), "%s/empty", sub);
	assert_int_equal(mkdir(path, 0700), 0);
	s = load_dir_ok(path);
	assert_int_equal(s->nlist, 0);
	assert_null(ah__schema_section(s, "from/a"));
	ah__schema_free(s);
}

static void test_not_found(void **state)
{
	(void)state;
	ah_schema *s = (ah_schema *)1;
	ah_error_clear();
	assert_int_equal(ah__schema_load_dir(&s, tmp_path("no-such-folder")), AH_ENOTFOUND);
	assert_null(s);
	assert_int_equal(ah_error_last()->code, AH_ENOTFOUND);

	const char *p = tmp_path("no-such-file.xml");
	ah_error_clear();
	assert_int_equal(ah__schema_load_files(&s, &p, 1), AH_ENOTFOUND);
	assert_null(s);
	assert_string_equal(ah_error_last()->file, p);
}

static void test_not_well_formed(void **state)
{
	(void)state;
	const ah_error *e = load_bad("<configSchema>\n"
				     "  <sectionSchema name=\"a\">\n"
				     "    <attribute name=\"x\" type=\"string\">\n"
				     "  </sectionSchema>\n"
				     "</configSchema>\n",
				     4);
	assert_string_equal(e->message, "Configuration file is not well-formed XML");
	e = load_bad("<configSchema>\n<sectionSchema name=\"a\" & />\n</configSchema>\n", 2);
	assert_string_equal(e->message, "Configuration file is not well-formed XML");
	e = load_bad("", 1);
	assert_string_equal(e->message, "Configuration file is not well-formed XML");
}

static void test_unknown_type(void **state)
{
	(void)state;
	const ah_error *e = load_bad("<configSchema>\n"
				     "  <sectionSchema name=\"a\">\n"
				     "    <attribute name=\"ok\" type=\"string\"/>\n"
				     "    <attribute name=\"ratio\" type=\"float\"/>\n"
				     "  </sectionSchema>\n"
				     "</configSchema>\n",
				     4);
	assert_non_null(strstr(e->message, "'float'"));
	assert_non_null(strstr(e->message, "'ratio'"));
}

static void test_wrong_root(void **state)
{
	(void)state;
	const ah_error *e = load_bad("<?xml version=\"1.0\"?>\n"
				     "<configuration>\n"
				     "  <sectionSchema name=\"a\"/>\n"
				     "</configuration>\n",
				     2);
	assert_non_null(strstr(e->message, tmp_path("bad.xml")));
	assert_non_null(strstr(e->message, "configuration"));
	assert_non_null(strstr(e->message, "configSchema"));
}

static void test_grammar_errors(void **state)
{
	(void)state;
	/* an element that the grammar does not know */
	const ah_error *e = load_bad("<configSchema>\n"
				     "  <sectionSchema name=\"a\">\n"
				     "    <elemnt name=\"typo\"/>\n"
				     "  </sectionSchema>\n"
				     "</configSchema>\n",
				     3);
	assert_non_null(strstr(e->message, "elemnt"));
	load_bad("<configSchema>\n  <section name=\"a\"/>\n</configSchema>\n", 2);
	/* names and types that are required */
	load_bad("<configSchema>\n  <sectionSchema/>\n</configSchema>\n", 2);
	load_bad("<configSchema><sectionSchema name=\"a\">\n"
		 "<attribute type=\"string\"/></sectionSchema></configSchema>",
		 2);
	load_bad("<configSchema><sectionSchema name=\"a\">\n\n"
		 "<attribute name=\"t\"/></sectionSchema></configSchema>",
		 3);
	load_bad("<configSchema><sectionSchema name=\"a\">\n"
		 "<element/></sectionSchema></configSchema>",
		 2);
	load_bad("<configSchema><sectionSchema name=\"a\">\n"
		 "<collection removeElement=\"remove\"/></sectionSchema></configSchema>",
		 2);
	/* values that do not parse */
	e = load_bad("<configSchema><sectionSchema name=\"a\">\n"
		     "<attribute name=\"b\" type=\"bool\" required=\"yes\"/>"
		     "</sectionSchema></configSchema>",
		     2);
	assert_non_null(strstr(e->message, "'yes'"));
	load_bad("<configSchema><sectionSchema name=\"a\">\n"
		 "<attribute name=\"t\" type=\"timeSpan\" timeSpanFormat=\"hours\"/>"
		 "</sectionSchema></configSchema>",
		 2);
	load_bad("<configSchema><sectionSchema name=\"a\">\n"
		 "<attribute name=\"e\" type=\"enum\">\n"
		 "<enum name=\"A\" value=\"one\"/></attribute></sectionSchema></configSchema>",
		 3);
	load_bad("<configSchema><sectionSchema name=\"a\">\n"
		 "<attribute name=\"e\" type=\"enum\">\n"
		 "<enum name=\"A\" value=\"4294967296\"/>"
		 "</attribute></sectionSchema></configSchema>",
		 3);
	load_bad("<configSchema><sectionSchema name=\"a\">\n"
		 "<attribute name=\"e\" type=\"enum\">\n"
		 "<value name=\"A\" value=\"1\"/></attribute></sectionSchema></configSchema>",
		 3);
	/* range parameters that do not parse */
	load_bad("<configSchema><sectionSchema name=\"a\">\n"
		 "<attribute name=\"n\" type=\"uint\" validationType=\"integerRange\" "
		 "validationParameter=\"5,1\"/></sectionSchema></configSchema>",
		 2);
	load_bad("<configSchema><sectionSchema name=\"a\">\n"
		 "<attribute name=\"n\" type=\"uint\" validationType=\"integerRange\"/>"
		 "</sectionSchema></configSchema>",
		 2);
	load_bad("<configSchema><sectionSchema name=\"a\">\n"
		 "<attribute name=\"n\" type=\"uint\" validationType=\"integerRange\" "
		 "validationParameter=\"1,2,3\"/></sectionSchema></configSchema>",
		 2);
	load_bad("<configSchema><sectionSchema name=\"a\">\n"
		 "<attribute name=\"t\" type=\"timeSpan\" validationType=\"timeSpanRange\" "
		 "validationParameter=\"0,60,0\"/></sectionSchema></configSchema>",
		 2);
}

/* Nesting beyond 64 levels is refused (a stack guard for hostile files). */
static void test_deep_nesting(void **state)
{
	(void)state;
	char text[4096];
	size_t len = 0;
	len += (size_t)snprintf(text + len, sizeof(text) - len,
				"<configSchema>\n<sectionSchema name=\"d\">\n");
	for (int i = 0; i < 70; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "<element name=\"e\">");
	for (int i = 0; i < 70; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "</element>");
	snprintf(text + len, sizeof(text) - len, "\n</sectionSchema>\n</configSchema>\n");
	load_bad(text, 3);

	/* 64 levels load */
	len = 0;
	len += (size_t)snprintf(text + len, sizeof(text) - len,
				"<configSchema>\n<sectionSchema name=\"d\">\n");
	for (int i = 0; i < 64; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "<element name=\"e\">");
	for (int i = 0; i < 64; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "</element>");
	snprintf(text + len, sizeof(text) - len, "\n</sectionSchema>\n</configSchema>\n");
	ah_schema *s = load_text(text);
	const ah_elem_schema *e = &sect(s, "d")->root;
	for (int i = 0; i < 64; i++)
		e = elem(e, "e");
	assert_int_equal(e->nelems, 0);
	ah__schema_free(s);
}

static void test_error_in_second_file(void **state)
{
	(void)state;
	const char *p[2];
	p[0] = write_tmp("ok.xml", "<configSchema><sectionSchema name=\"a\"/></configSchema>");
	p[1] = write_tmp("broken.xml", "<configSchema>\n<sectionSchema name=\"b\">\n");
	ah_schema *s = (ah_schema *)1;
	ah_error_clear();
	assert_int_equal(ah__schema_load_files(&s, p, 2), AH_ECONFIG);
	assert_null(s);
	assert_string_equal(ah_error_last()->file, p[1]);
}

/* Every allocation failing in turn gives AH_ENOMEM, never a crash or a leak. */
static void test_out_of_memory(void **state)
{
	(void)state;
	static const char text[] =
		"<configSchema>\n"
		"  <sectionSchema name=\"o/s\">\n"
		"    <attribute name=\"e\" type=\"enum\" defaultValue=\"A\"\n"
		"        validationType=\"integerRange\" validationParameter=\"0,1\">\n"
		"      <enum name=\"A\" value=\"0\"/><enum name=\"B\" value=\"1\"/>\n"
		"    </attribute>\n"
		"    <element name=\"x\"><attribute name=\"y\" type=\"string\"/></element>\n"
		"    <collection addElement=\"add,put\" removeElement=\"remove\">\n"
		"      <attribute name=\"k\" type=\"string\" isUniqueKey=\"true\"/>\n"
		"    </collection>\n"
		"  </sectionSchema>\n"
		"  <sectionSchema name=\"o/s\"><attribute name=\"z\" type=\"int\"/>"
		"</sectionSchema>\n"
		"</configSchema>\n";
	const char *p = write_tmp("oom.xml", text);
	for (long n = 0;; n++) {
		ah_schema *s = (ah_schema *)1;
		ah_error_clear();
		ah_alloc_fail_after(n);
		int rc = ah__schema_load_files(&s, &p, 1);
		ah_alloc_fail_after(-1);
		if (rc == 0) {
			assert_true(n > 0);
			assert_int_equal(sect(s, "o/s")->root.nattrs, 2);
			ah__schema_free(s);
			break;
		}
		assert_int_equal(rc, AH_ENOMEM);
		assert_null(s);
	}
}

/* ---- main -------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest local[] = {
		cmocka_unit_test(test_grammar),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_load_dir_order),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_not_well_formed),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_wrong_root),
		cmocka_unit_test(test_grammar_errors),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_error_in_second_file),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_project_schema),
	};
	const struct CMUnitTest shared[] = {
		cmocka_unit_test(test_iis10_whole_set),
		cmocka_unit_test(test_iis70_whole_set),
		cmocka_unit_test(test_iisexpress_whole_set),
		cmocka_unit_test(test_iis_schema_alone),
		cmocka_unit_test(test_application_pools),
		cmocka_unit_test(test_sites),
		cmocka_unit_test(test_webserver_sections),
		cmocka_unit_test(test_aspnet_and_fx),
		cmocka_unit_test(test_out_of_band_files),
	};
	int failed = cmocka_run_group_tests(local, setup, teardown);
	struct stat st;
	if (stat(REF "/iis10", &st) != 0) {
		fprintf(stderr, "%s is absent: the tests on real schema files are skipped\n", REF);
		return failed ? 1 : 77;
	}
	failed += cmocka_run_group_tests(shared, NULL, NULL);
	return failed ? 1 : 0;
}
