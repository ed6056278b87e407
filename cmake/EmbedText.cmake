# cmake -DOUT=file.inc -DFILES="a;b" -P EmbedText.cmake
# Writes one `{"name", R"ORCHJS(text)ORCHJS"},` row a file, for a C++ table.
string(REPLACE "," ";" FILES "${FILES}")
set(Rows "")
foreach(F ${FILES})
  file(READ ${F} Text)
  get_filename_component(Name ${F} NAME)
  string(APPEND Rows "{\"${Name}\", R\"ORCHJS(${Text})ORCHJS\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "${Rows}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
