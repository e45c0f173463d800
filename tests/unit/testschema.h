/*
 * The small schema and applicationHost.config head shared by the engine's
 * unit tests (our own schema, in IIS's format, with the sections the tests use).
 */
#ifndef AH_TESTS_TESTSCHEMA_H
#define AH_TESTS_TESTSCHEMA_H

/* A small schema of our own, in IIS's schema format. */
static const char SCHEMA[] =
	"<configSchema>\n"
	"  <sectionSchema name=\"system.webServer/defaultDocument\">\n"
	"    <attribute name=\"enabled\" type=\"bool\" defaultValue=\"true\" />\n"
	"    <element name=\"files\">\n"
	"      <collection addElement=\"add\" removeElement=\"remove\" clearElement=\"clear\" mergeAppend=\"false\">\n"
	"        <attribute name=\"value\" type=\"string\" isUniqueKey=\"true\" />\n"
	"      </collection>\n"
	"    </element>\n"
	"  </sectionSchema>\n"
	"  <sectionSchema name=\"system.webServer/directoryBrowse\">\n"
	"    <attribute name=\"enabled\" type=\"bool\" defaultValue=\"false\" />\n"
	"    <attribute name=\"showFlags\" type=\"flags\" defaultValue=\"Date, Time, Size, Extension\">\n"
	"      <flag name=\"None\" value=\"0\" /><flag name=\"Date\" value=\"2\" /><flag name=\"Time\" value=\"4\" />\n"
	"      <flag name=\"Size\" value=\"8\" /><flag name=\"Extension\" value=\"16\" /><flag name=\"LongDate\" value=\"32\" />\n"
	"    </attribute>\n"
	"  </sectionSchema>\n"
	"  <sectionSchema name=\"system.webServer/httpErrors\">\n"
	"    <attribute name=\"errorMode\" type=\"enum\" defaultValue=\"DetailedLocalOnly\">\n"
	"      <enum name=\"DetailedLocalOnly\" value=\"0\" /><enum name=\"Custom\" value=\"1\" /><enum name=\"Detailed\" value=\"2\" />\n"
	"    </attribute>\n"
	"    <attribute name=\"defaultPath\" type=\"string\" />\n"
	"    <attribute name=\"allowAbsolutePathsWhenDelegated\" type=\"bool\" defaultValue=\"false\" />\n"
	"    <collection addElement=\"error\" removeElement=\"remove\" clearElement=\"clear\">\n"
	"      <attribute name=\"statusCode\" type=\"uint\" required=\"true\" isCombinedKey=\"true\" validationType=\"integerRange\" validationParameter=\"400,999\" />\n"
	"      <attribute name=\"subStatusCode\" type=\"int\" isCombinedKey=\"true\" defaultValue=\"-1\" />\n"
	"      <attribute name=\"path\" type=\"string\" />\n"
	"    </collection>\n"
	"  </sectionSchema>\n"
	"  <sectionSchema name=\"system.webServer/modules\">\n"
	"    <collection addElement=\"add\" removeElement=\"remove\" clearElement=\"clear\">\n"
	"      <attribute name=\"name\" type=\"string\" required=\"true\" isUniqueKey=\"true\" />\n"
	"      <attribute name=\"type\" type=\"string\" />\n"
	"    </collection>\n"
	"  </sectionSchema>\n"
	"  <sectionSchema name=\"system.webServer/handlers\">\n"
	"    <attribute name=\"accessPolicy\" type=\"flags\" defaultValue=\"Read\">\n"
	"      <flag name=\"None\" value=\"0\" /><flag name=\"Read\" value=\"1\" /><flag name=\"Write\" value=\"2\" /><flag name=\"Script\" value=\"512\" />\n"
	"    </attribute>\n"
	"    <collection addElement=\"add\" removeElement=\"remove\" clearElement=\"clear\" mergeAppend=\"false\">\n"
	"      <attribute name=\"name\" type=\"string\" required=\"true\" isUniqueKey=\"true\" />\n"
	"      <attribute name=\"path\" type=\"string\" />\n"
	"    </collection>\n"
	"  </sectionSchema>\n"
	"  <sectionSchema name=\"system.webServer/asp\">\n"
	"    <attribute name=\"bufferingOn\" type=\"bool\" defaultValue=\"true\" />\n"
	"  </sectionSchema>\n"
	"  <sectionSchema name=\"system.applicationHost/applicationPools\">\n"
	"    <collection addElement=\"add\" defaultElement=\"applicationPoolDefaults\">\n"
	"      <attribute name=\"name\" type=\"string\" required=\"true\" isUniqueKey=\"true\" validationType=\"applicationPoolName\" />\n"
	"      <attribute name=\"queueLength\" type=\"uint\" defaultValue=\"1000\" validationType=\"integerRange\" validationParameter=\"10,65535\" />\n"
	"      <attribute name=\"managedRuntimeVersion\" type=\"string\" defaultValue=\"\" />\n"
	"      <element name=\"processModel\">\n"
	"        <attribute name=\"identityType\" type=\"enum\" defaultValue=\"ApplicationPoolIdentity\">\n"
	"          <enum name=\"LocalSystem\" value=\"0\" /><enum name=\"LocalService\" value=\"1\" /><enum name=\"NetworkService\" value=\"2\" />\n"
	"          <enum name=\"SpecificUser\" value=\"3\" /><enum name=\"ApplicationPoolIdentity\" value=\"4\" />\n"
	"        </attribute>\n"
	"        <attribute name=\"idleTimeout\" type=\"timeSpan\" defaultValue=\"00:20:00\" validationType=\"timeSpanRange\" validationParameter=\"0,2592000,60\" />\n"
	"      </element>\n"
	"    </collection>\n"
	"    <element name=\"applicationPoolDefaults\">\n"
	"      <attribute name=\"name\" type=\"string\" />\n"
	"      <attribute name=\"queueLength\" type=\"uint\" defaultValue=\"1000\" />\n"
	"      <attribute name=\"managedRuntimeVersion\" type=\"string\" defaultValue=\"\" />\n"
	"      <element name=\"processModel\">\n"
	"        <attribute name=\"identityType\" type=\"enum\" defaultValue=\"ApplicationPoolIdentity\">\n"
	"          <enum name=\"LocalSystem\" value=\"0\" /><enum name=\"LocalService\" value=\"1\" /><enum name=\"NetworkService\" value=\"2\" />\n"
	"          <enum name=\"SpecificUser\" value=\"3\" /><enum name=\"ApplicationPoolIdentity\" value=\"4\" />\n"
	"        </attribute>\n"
	"        <attribute name=\"idleTimeout\" type=\"timeSpan\" defaultValue=\"00:20:00\" />\n"
	"      </element>\n"
	"    </element>\n"
	"  </sectionSchema>\n"
	"  <sectionSchema name=\"system.applicationHost/sites\">\n"
	"    <collection addElement=\"site\" defaultElement=\"siteDefaults\">\n"
	"      <attribute name=\"name\" type=\"string\" required=\"true\" isUniqueKey=\"true\" validationType=\"siteName\" />\n"
	"      <attribute name=\"id\" type=\"uint\" required=\"true\" isUniqueKey=\"true\" />\n"
	"      <element name=\"bindings\">\n"
	"        <collection addElement=\"binding\" clearElement=\"clear\">\n"
	"          <attribute name=\"protocol\" type=\"string\" required=\"true\" isCombinedKey=\"true\" />\n"
	"          <attribute name=\"bindingInformation\" type=\"string\" required=\"true\" isCombinedKey=\"true\" />\n"
	"        </collection>\n"
	"      </element>\n"
	"      <element name=\"logFile\">\n"
	"        <attribute name=\"directory\" type=\"string\" defaultValue=\"%SystemDrive%\\inetpub\\logs\\LogFiles\" expanded=\"true\" />\n"
	"        <attribute name=\"enabled\" type=\"bool\" defaultValue=\"true\" />\n"
	"      </element>\n"
	"      <collection addElement=\"application\" defaultElement=\"applicationDefaults\">\n"
	"        <attribute name=\"path\" type=\"string\" required=\"true\" isUniqueKey=\"true\" validationType=\"applicationPath\" />\n"
	"        <attribute name=\"applicationPool\" type=\"string\" />\n"
	"        <collection addElement=\"virtualDirectory\" defaultElement=\"virtualDirectoryDefaults\">\n"
	"          <attribute name=\"path\" type=\"string\" required=\"true\" isUniqueKey=\"true\" validationType=\"virtualDirectoryPath\" />\n"
	"          <attribute name=\"physicalPath\" type=\"string\" required=\"true\" expanded=\"true\" />\n"
	"          <attribute name=\"allowSubDirConfig\" type=\"bool\" defaultValue=\"true\" />\n"
	"        </collection>\n"
	"        <element name=\"virtualDirectoryDefaults\">\n"
	"          <attribute name=\"allowSubDirConfig\" type=\"bool\" defaultValue=\"true\" />\n"
	"        </element>\n"
	"      </collection>\n"
	"      <element name=\"applicationDefaults\">\n"
	"        <attribute name=\"applicationPool\" type=\"string\" />\n"
	"      </element>\n"
	"      <element name=\"virtualDirectoryDefaults\">\n"
	"        <attribute name=\"allowSubDirConfig\" type=\"bool\" defaultValue=\"true\" />\n"
	"      </element>\n"
	"    </collection>\n"
	"    <element name=\"siteDefaults\">\n"
	"      <element name=\"logFile\">\n"
	"        <attribute name=\"directory\" type=\"string\" defaultValue=\"%SystemDrive%\\inetpub\\logs\\LogFiles\" expanded=\"true\" />\n"
	"        <attribute name=\"enabled\" type=\"bool\" defaultValue=\"true\" />\n"
	"      </element>\n"
	"    </element>\n"
	"    <element name=\"applicationDefaults\">\n"
	"      <attribute name=\"applicationPool\" type=\"string\" />\n"
	"    </element>\n"
	"    <element name=\"virtualDirectoryDefaults\">\n"
	"      <attribute name=\"allowSubDirConfig\" type=\"bool\" defaultValue=\"true\" />\n"
	"    </element>\n"
	"  </sectionSchema>\n"
	"</configSchema>\n";

/* Line 1..23 of every applicationHost.config of these tests; EXTRA starts at line 24. */
static const char APPHOST_HEAD[] =
	"<configuration>\n"                                                           /* 1 */
	"  <configSections>\n"                                                        /* 2 */
	"    <sectionGroup name=\"system.applicationHost\">\n"                        /* 3 */
	"      <section name=\"sites\" allowDefinition=\"AppHostOnly\" overrideModeDefault=\"Deny\" />\n"
	"      <section name=\"applicationPools\" allowDefinition=\"AppHostOnly\" overrideModeDefault=\"Deny\" />\n"
	"    </sectionGroup>\n"                                                       /* 6 */
	"    <sectionGroup name=\"system.webServer\">\n"                              /* 7 */
	"      <section name=\"defaultDocument\" overrideModeDefault=\"Allow\" />\n"  /* 8 */
	"      <section name=\"directoryBrowse\" overrideModeDefault=\"Allow\" />\n"  /* 9 */
	"      <section name=\"httpErrors\" overrideModeDefault=\"Allow\" />\n"       /* 10 */
	"      <section name=\"modules\" allowDefinition=\"MachineToApplication\" overrideModeDefault=\"Deny\" />\n"
	"      <section name=\"handlers\" overrideModeDefault=\"Deny\" />\n"          /* 12 */
	"      <section name=\"asp\" overrideModeDefault=\"Deny\" />\n"               /* 13 */
	"    </sectionGroup>\n"                                                       /* 14 */
	"  </configSections>\n"                                                       /* 15 */
	"  <system.applicationHost>\n"                                                /* 16 */
	"    <sites>\n"                                                               /* 17 */
	"      <site name=\"WebSite1\" id=\"1\"><application path=\"/\"><virtualDirectory path=\"/\" physicalPath=\"%ROOT%\\site1\" /><virtualDirectory path=\"/novd\" physicalPath=\"%ROOT%\\novd\" allowSubDirConfig=\"false\" /></application>\n"
	"        <application path=\"/app\"><virtualDirectory path=\"/\" physicalPath=\"%ROOT%\\app\" /></application>\n"
	"      </site>\n"                                                             /* 20 */
	"      <siteDefaults><logFile directory=\"D:\\logs\" /></siteDefaults>\n"     /* 21 */
	"    </sites>\n"                                                              /* 22 */
	"  </system.applicationHost>\n";                                             /* 23 */

#endif
