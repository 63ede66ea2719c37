// Boost.JSON and Boost.URL compiled into the fuzz build (the headers' src.hpp), instrumented
// for coverage and the sanitizers; the fuzz targets do not link the system's libraries.
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
